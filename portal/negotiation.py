"""Content negotiation: the one place that decides between HTML and an RDF format.

A URL with a format suffix (``/dataset/<id>.ttl``) is canonical and always answers in that
format. A URL without one (``/dataset/<id>``, ``/catalog``, ``/vocab/…``) reads the Accept
header: HTML wins ties (browsers send ``*/*``), an RDF media type of :data:`exports.formats.FORMATS`
with a higher quality gets that format. Every such response carries ``Vary: Accept``, and HTML
pages list the alternatives in ``Link: <…>; rel="alternate"; type="…"`` headers. A request
that accepts neither HTML nor any RDF format (``Accept: image/png``, ``text/turtle;q=0``) is
answered 406 with the list of what the address offers.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, abort, request

from exports.formats import FORMATS, RdfFormat

HTML_TYPES = ("text/html", "application/xhtml+xml")
JSON_TYPES = ("application/json",)  # what an API's address answers when RDF is not asked for


def negotiate(default_types: tuple[str, ...] = HTML_TYPES) -> RdfFormat | None:
    """The RDF format the client prefers to the address's default (HTML, or JSON for an
    API), or None for the default (also without an Accept header); aborts with 406 when the
    client accepts neither."""
    accept = request.accept_mimetypes
    if not accept.provided:
        return None
    html = max(accept[t] for t in default_types)  # wildcards count for it, not for RDF
    best: tuple[float, RdfFormat] | None = None
    for value, quality in accept:
        fmt = _BY_MEDIA_TYPE.get(value.lower())
        if fmt is not None and quality > html and (best is None or quality > best[0]):
            best = (quality, fmt)
    if best is None and html <= 0:
        abort(not_acceptable(default_types[0]))
    return best[1] if best else None


def not_acceptable(default_type: str = "text/html") -> Response:
    """406 with the media types the address offers, in Chinese and English."""
    offered = ", ".join((default_type, *(fmt.media_type.split(";")[0] for fmt in FORMATS)))
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
