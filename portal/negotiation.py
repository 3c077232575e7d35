"""Content negotiation: the one place that decides between HTML and an RDF format.

A URL with a format suffix (``/dataset/<id>.ttl``) is canonical and always answers in that
format. A URL without one (``/dataset/<id>``, ``/catalog``, ``/vocab/…``) reads the Accept
header: HTML wins ties (browsers send ``*/*``), an RDF media type of :data:`exports.formats.FORMATS`
with a higher quality gets that format. Every such response carries ``Vary: Accept``, and HTML
pages list the alternatives in ``Link: <…>; rel="alternate"; type="…"`` headers. A request
that accepts neither HTML nor any RDF format (``Accept: image/png``, ``text/turtle;q=0``) is
answered 406 with the list of what the address offers.

A dataset's address also offers its citations (:data:`exports.citations.CITATION_FORMATS`:
``Accept: application/x-bibtex``, ``application/vnd.citationstyles.csl+json``, … as DOI
resolvers answer), chosen among the RDF and the citation media types by the same rule
(:func:`negotiate_with_citations`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from flask import Response, abort, request

from exports.citations import BY_MEDIA_TYPE as CITATION_BY_MEDIA_TYPE
from exports.citations import CitationFormat
from exports.formats import FORMATS, RdfFormat

HTML_TYPES = ("text/html", "application/xhtml+xml")
JSON_TYPES = ("application/json",)  # what an API's address answers when RDF is not asked for
T = TypeVar("T")  # what an address offers besides its default


def negotiate(default_types: tuple[str, ...] = HTML_TYPES) -> RdfFormat | None:
    """The RDF format the client prefers to the address's default (HTML, or JSON for an
    API), or None for the default (also without an Accept header); aborts with 406 when the
    client accepts neither."""
    return _choose(_BY_MEDIA_TYPE, default_types, ())


def negotiate_with_citations() -> RdfFormat | CitationFormat | None:
    """The same choice on a dataset's page, which also offers its citations."""
    offered: dict[str, RdfFormat | CitationFormat] = {**_BY_MEDIA_TYPE, **CITATION_BY_MEDIA_TYPE}
    return _choose(offered, HTML_TYPES, tuple(CITATION_BY_MEDIA_TYPE.values()))


def _choose(
    offered: Mapping[str, T], default_types: tuple[str, ...], citations: tuple[CitationFormat, ...]
) -> T | None:
    accept = request.accept_mimetypes
    if not accept.provided:
        return None
    html = max(accept[t] for t in default_types)  # wildcards count for it, not for RDF
    best: tuple[float, T] | None = None
    for value, quality in accept:
        fmt = offered.get(value.lower())
        if fmt is not None and quality > html and (best is None or quality > best[0]):
            best = (quality, fmt)
    if best is None and html <= 0:
        abort(not_acceptable(default_types[0], citations))
    return best[1] if best else None


def not_acceptable(
    default_type: str = "text/html", citations: tuple[CitationFormat, ...] = ()
) -> Response:
    """406 with the media types the address offers, in Chinese and English."""
    types: tuple[RdfFormat | CitationFormat, ...] = (*FORMATS, *citations)
    offered = ", ".join((default_type, *(fmt.media_type.split(";")[0] for fmt in types)))
    body = (
        "406 无法以所请求的格式提供此资源。可用格式：" + offered + "\n"
        "406 Not Acceptable: this resource is available as " + offered + "\n"
    )
    return vary_accept(Response(body, 406, content_type="text/plain; charset=utf-8"))


_BY_MEDIA_TYPE = {media_type: fmt for fmt in FORMATS for media_type in fmt.accepts}


MAX_LINK_URL_CHARS = 2000  # a longer alternate URL is left out of the header


def alternates(url_for_suffix: Callable[[str], str]) -> str:
    """The ``Link`` header value naming each format's canonical URL. URLs carry the page's
    selection, which callers bound; one that is still too long is left out, so that a header
    never grows with what a client sent."""
    links = ((fmt, url_for_suffix(fmt.suffix)) for fmt in FORMATS)
    return ", ".join(
        f'<{url}>; rel="alternate"; type="{fmt.media_type.split(";")[0]}"'
        for fmt, url in links
        if len(url) <= MAX_LINK_URL_CHARS
    )


def vary_accept(response: Response) -> Response:
    response.vary.add("Accept")
    return response
