"""Error pages in the user's language; JSON errors for the APIs. No traceback reaches a user."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from portal.problems import problem

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 10  # a restart of PostgreSQL takes a few seconds
MAX_LOGGED_PATH = 200  # characters of a request's path written to the log


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http_error(error: HTTPException) -> Response:
    """The error in the format of the address, with the headers the error carries (``Allow``
    of a 405, ``Content-Range`` of a 416, ``Retry-After`` of a 503)."""
    response = _error_body(error)
    return with_error_headers(response, error)


def with_error_headers(response: Response, error: HTTPException) -> Response:
    for key, value in error.get_headers():
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


def _error_body(error: HTTPException) -> Response:
    code = error.code or 500
    if request.path.startswith("/api/v1"):  # the REST API speaks RFC 9457
        kind = (error.name or "error").lower().replace(" ", "-")
        return problem(code, kind, error.description or "")
    if _wants_json():
        body = {"success": False, "error": {"__type": error.name, "message": error.description}}
        response = jsonify(body)
        response.status_code = code
        return response
    messages = {
        400: _("The request could not be understood."),
        401: _("Please sign in to see this page."),
        403: _("You do not have access to this page."),
        404: _("The page you asked for does not exist, or is not public."),
        405: _("This address does not accept that kind of request."),
        413: _("The file or request is too large."),
        429: _("Too many requests. Please wait a moment."),
        503: error.description or "",
    }
    message = messages.get(code, _("Something went wrong on our side. Please try again later."))
    return make_response(render_template("error.html", code=code, message=message), code)


def handle_database_error(error: DBAPIError | SQLAlchemyTimeout) -> Response:
    """The database cannot be reached (stopped, restarting, unreadable, pool exhausted): 503
    with ``Retry-After``, in the format and language of the address, without a traceback."""
    if isinstance(error, DBAPIError) and not _is_outage(error):
        return handle_unexpected(error)
    log.warning("database unavailable on %s: %s", _logged_path(), type(error).__name__)
    unavailable = ServiceUnavailable(
        _("The database is unavailable at the moment. Please try again in a few seconds."),
        retry_after=RETRY_AFTER_SECONDS,
    )
    return handle_http_error(unavailable)


def _is_outage(error: DBAPIError) -> bool:
    return error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)


def _logged_path() -> str:
    """The request's path as logged: bounded, and with no line break to forge log lines."""
    path = request.path
    shown = path[:MAX_LOGGED_PATH] + ("…" if len(path) > MAX_LOGGED_PATH else "")
    return shown.encode("unicode_escape").decode("ascii") if not shown.isprintable() else shown


def handle_unexpected(error: Exception) -> Response:
    log.exception("unhandled error on %s", _logged_path(), exc_info=error)
    return handle_http_error(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
    for outage in (DBAPIError, SQLAlchemyTimeout):  # DBAPIError covers Operational, Interface
        app.register_error_handler(outage, handle_database_error)
