"""Validators on generated pages and RDF documents: ``ETag`` and ``Last-Modified``, and 304.

The ETag is weak (the same meaning, not necessarily the same bytes: a gzip-compressed copy
keeps it) and made of the page's language, the portal's version and a digest of the body, so
that a page in another language, or from another release, never matches. ``Last-Modified``
is the latest of the records' ``metadata_modified`` the page shows and the time this process
started (a new release may render a record differently); a response whose records are not
known gets no ``Last-Modified``, only its ETag. HTML pages vary by the language cookie
(``Vary: Cookie``); public pages carry no per-user content (no form tokens, no names).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from importlib import metadata

from flask import Response, current_app, request

from portal.i18n import current_language

STARTED = "gxdata.started"  # app.extensions key: when this process started serving


def _version() -> str:
    try:
        return metadata.version("gxdata")
    except metadata.PackageNotFoundError:
        return "dev"


VERSION = _version()


def conditional(response: Response, modified: datetime | None = None) -> Response:
    """``response`` with its validators, or a 304 when the request's match them."""
    if response.status_code != 200 or response.is_streamed:
        return response
    digest = hashlib.sha256(response.get_data()).hexdigest()[:32]
    response.set_etag(f"{current_language()}-{VERSION}-{digest}", weak=True)
    started = current_app.extensions.setdefault(STARTED, datetime.now(UTC).replace(microsecond=0))
    if modified is not None:
        if modified.tzinfo is None:
            modified = modified.replace(tzinfo=UTC)  # the database keeps UTC without a zone
        latest = max(modified, started)
        response.last_modified = latest.replace(microsecond=0)  # HTTP dates count seconds
    if response.mimetype == "text/html":
        response.vary.add("Cookie")
    return response.make_conditional(request)
