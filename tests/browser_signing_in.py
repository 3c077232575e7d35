"""Sign a real browser in as a person of a role: the session cookie a test client gets from
:func:`signing_in.sign_in_client`, handed to the browser's context."""

from __future__ import annotations

from typing import Any

from flask import Flask
from signing_in import make_person, sign_in_client


def sign_in_browser(
    app: Flask,
    context: Any,
    base_url: str,
    email: str,
    role: str | None = None,
    department: str | None = None,
) -> int:
    """Make the account and give the Playwright ``context`` a live session of it."""
    user_id = make_person(app, email, role, department)
    client = app.test_client()
    sign_in_client(app, client, user_id)
    name = app.config.get("SESSION_COOKIE_NAME", "session")
    cookie = client.get_cookie(name)
    assert cookie is not None, "the test client holds no session cookie"
    context.add_cookies([{"name": name, "value": cookie.value, "url": base_url}])
    return user_id
