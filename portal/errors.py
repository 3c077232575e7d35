"""Error pages in the user's language; JSON errors for the APIs. No traceback reaches a user."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.problems import problem

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http_error(error: HTTPException) -> tuple[Response | str, int]:
    code = error.code or 500
    if request.path.startswith("/api/v1"):  # the REST API speaks RFC 9457
        kind = (error.name or "error").lower().replace(" ", "-")
        return problem(code, kind, error.description or ""), code
    if _wants_json():
        return jsonify(
            {"success": False, "error": {"__type": error.name, "message": error.description}}
        ), code
    messages = {
        400: _("The request could not be understood."),
        403: _("You do not have access to this page."),
        404: _("The page you asked for does not exist, or is not public."),
        405: _("This address does not accept that kind of request."),
        413: _("The file or request is too large."),
        429: _("Too many requests. Please wait a moment."),
    }
    message = messages.get(code, _("Something went wrong on our side. Please try again later."))
    return render_template("error.html", code=code, message=message), code


def handle_unexpected(error: Exception) -> tuple[Response | str, int]:
    log.exception("unhandled error on %s", request.path, exc_info=error)
    return handle_http_error(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
