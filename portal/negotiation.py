"""Content negotiation: the one place that decides between HTML and an RDF format.

A URL with a format suffix (``/dataset/<id>.ttl``) is canonical and always answers in that
format. A URL without one (``/dataset/<id>``, ``/catalog``, ``/vocab/…``) reads the Accept
header: HTML wins ties (browsers send ``*/*``), an RDF media type of :data:`exports.formats.FORMATS`
with a higher quality gets that format. Every such response carries ``Vary: Accept``, and HTML
pages list the alternatives in ``Link: <…>; rel="alternate"; type="…"`` headers.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, request

from exports.formats import FORMATS, RdfFormat

HTML_TYPES = ("text/html", "application/xhtml+xml")


def negotiate() -> RdfFormat | None:
    """The RDF format the client prefers to HTML, or None for HTML."""
    accept = request.accept_mimetypes
    html = max(accept[t] for t in HTML_TYPES)  # wildcards count for HTML, not for RDF
    best: tuple[float, RdfFormat] | None = None
    for value, quality in accept:
        fmt = _BY_MEDIA_TYPE.get(value.lower())
        if fmt is not None and quality > html and (best is None or quality > best[0]):
            best = (quality, fmt)
    return best[1] if best else None


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
