"""The text a request carries, checked once before any view reads it.

Query arguments, path parts and form fields of every request, and the JSON bodies of the CKAN
API (:func:`decode_json_body`), must be text the database can store and compare: no NUL
(PostgreSQL refuses it), no lone surrogate (no driver can encode ``"\\ud800"``), and bounded in
length. Anything else is the client's error, answered 400 in the format of the address
(problem JSON under ``/api/v1``, CKAN's envelope under ``/api/3``, a page elsewhere), never a
500 from deep inside a query.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import BadRequest

from catalog.browse import MAX_INPUT_CHARS
from catalog.input_limits import json_depth
from portal.errors import handle_http_error

MAX_PARAM_CHARS = MAX_INPUT_CHARS  # a query argument or path part (10,000); search reads 200
MAX_NAME_CHARS = 200  # a query argument's name
MAX_BODY_BYTES = 1024 * 1024  # a CKAN action's JSON body
MAX_DEPTH = 20  # nesting of a JSON body: CKAN actions read flat parameters
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class InvalidParameter(ValueError):
    """A parameter's text cannot be taken (400)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def text_problem(value: str, max_chars: int | None = MAX_PARAM_CHARS) -> str | None:
    """Why ``value`` is not acceptable text, or None when it is."""
    if "\x00" in value:
        return "must not contain NUL characters"
    if _LONE_SURROGATE.search(value):
        return "must be valid Unicode text (a lone surrogate was sent)"
    if max_chars is not None and len(value) > max_chars:
        return f"must be at most {max_chars} characters long"
    return None


def check_text(field: str, value: str, max_chars: int | None = MAX_PARAM_CHARS) -> None:
    problem = text_problem(value, max_chars)
    if problem is not None:
        raise InvalidParameter(_printable(field), problem)


def check_data(data: Any, field: str = "body", depth: int = 0) -> None:
    """Every key and text value of decoded JSON, however nested."""
    if depth > MAX_DEPTH:
        raise InvalidParameter(_printable(field), f"is nested more than {MAX_DEPTH} levels deep")
    if isinstance(data, str):
        check_text(field, data)
    elif isinstance(data, dict):
        for key, value in data.items():
            check_text(field, key, MAX_NAME_CHARS)
            check_data(value, key if depth == 0 else field, depth + 1)
    elif isinstance(data, list):
        for value in data:
            check_data(value, field, depth + 1)


def decode_json_body(body: bytes | str) -> object:
    """A JSON body, bounded in size and depth before it is parsed, with its text checked.

    Raises :class:`ValueError` (the body is not JSON) or :class:`InvalidParameter`."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidParameter("body", f"must be at most {MAX_BODY_BYTES} bytes")
    _check_depth(raw)
    try:
        data = json.loads(raw)
    except RecursionError:  # defence in depth: _check_depth should have refused it
        raise InvalidParameter("body", f"is nested more than {MAX_DEPTH} levels deep") from None
    check_data(data)
    return data


def _check_depth(raw: bytes) -> None:
    if json_depth(raw) > MAX_DEPTH + 1:  # the outer object itself is a level
        raise InvalidParameter("body", f"is nested more than {MAX_DEPTH} levels deep")


def _printable(field: str) -> str:
    """A field name fit to be echoed in an error message."""
    shown = field.replace("\x00", "\\x00")
    shown = _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", shown)
    return shown if len(shown) <= 60 else shown[:60] + "…"


def check_request_text() -> None:
    """The ``before_request`` hook: query arguments, path parts and form fields."""
    items: Iterable[tuple[str, str]] = request.args.items(multi=True)
    for name, value in items:
        check_text(name, name, MAX_NAME_CHARS)
        check_text(name, value)
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            check_text(name, value)
    if request.method == "POST" and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for name, value in request.form.items(multi=True):
            if not isinstance(name, str) or not isinstance(value, str):  # a malformed part
                raise InvalidParameter("body", "has a form part without a name or a value")
            check_text(name, name, None)  # CKAN clients post a JSON body as a form field name
            check_text(name, value, None)  # descriptions may be long; the upload limit holds


def handle_invalid(error: InvalidParameter) -> Any:
    """Where no blueprint answers in its own format: a 400 in the format of the address."""
    return handle_http_error(BadRequest(f"{error.field} {error.message}"))


def init_app(app: Flask) -> None:
    app.before_request(check_request_text)
    app.register_error_handler(InvalidParameter, handle_invalid)


def client_address(trusted_proxies: int) -> str:
    """Who asks: the connection's address, or behind ``trusted_proxies`` reverse proxies the
    address the outermost of them saw (``X-Forwarded-For`` is only read then)."""
    if trusted_proxies > 0:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")
        hops = [hop.strip() for hop in forwarded if hop.strip()]
        if len(hops) >= trusted_proxies:
            return hops[-trusted_proxies]
    return request.remote_addr or ""


def page_arg(name: str = "page", default: int = 1) -> int:
    """A page number from the query string: ASCII digits only (``"²".isdigit()`` is true but
    ``int("²")`` fails), at most six of them; anything else is ``default``."""
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 7 else default
