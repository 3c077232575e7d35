"""Compressed responses: gzip or Brotli, as the client's ``Accept-Encoding`` asks.

Flask-Compress does the work: it reads ``Accept-Encoding`` (q-values included), adds
``Vary: Accept-Encoding``, leaves alone what already has a ``Content-Encoding``, responses
other than 2xx (so a 304 and a 206 ``Range`` answer stay as they are) and small bodies, and it
keeps a weak ETag, which the compressed copy shares (the same meaning, other bytes). Brotli
comes with it. Two choices are the portal's:

- streamed responses are left uncompressed (``COMPRESS_STREAMS = False``): they stay
  streamed, at the size they were written (the N-Triples dump is gzip already);
- stored files (downloads, sent by ``send_file``, ``direct_passthrough``) are never
  compressed, so that their ``ETag``, ``Content-Length`` and byte ``Range`` keep speaking of
  the file's own bytes; the portal's own static files (CSS, JavaScript) are read whole and
  compressed (a strong ETag then gets Flask-Compress's ``:gzip`` suffix), except a range.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress

MIMETYPES = (
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/problem+json",
    "application/ld+json",
    "application/geo+json",
    "application/schema+json",
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/xml",
    "application/atom+xml",
    "text/xml",
    "text/csv",
    "text/tab-separated-values",
    "text/plain",
    "image/svg+xml",
)

ALGORITHMS = ("br", "gzip")


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", list(MIMETYPES))
    app.config.setdefault("COMPRESS_ALGORITHM", list(ALGORITHMS))
    app.config.setdefault("COMPRESS_STREAMS", False)
    app.config.setdefault("COMPRESS_REGISTER", False)  # registered below, after our check
    compress = Compress(app)

    @app.after_request
    def _compress(response: Response) -> Response:
        if "Content-Range" in response.headers:
            return response  # a part of a file
        if not any(request.accept_encodings[name] > 0 for name in ALGORITHMS):
            response.vary.add("Accept-Encoding")  # Flask-Compress reads "gzip;q=0" as gzip
            return response
        if response.direct_passthrough:
            if request.endpoint != "static" or response.status_code != 200:
                return response  # a stored file
            response.direct_passthrough = False
            response.make_sequence()  # read whole: not streamed any more
        return compress.after_request(response)
