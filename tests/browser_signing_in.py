"""Sign a real browser in as a person of a role: the session cookie a test client gets from
:func:`signing_in.sign_in_client`, handed to the browser's context; and the confirmation link
a registration mailed, for a browser to follow."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default
from pathlib import Path
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


def confirmation_path(app: Flask) -> str:
    """The confirmation link of the last mail the portal wrote (instance/mail/)."""
    mails = sorted((Path(app.instance_path) / "mail").glob("*.eml"))
    assert mails, "no mail was written"
    body = message_from_bytes(mails[-1].read_bytes(), policy=default).get_body().get_content()
    found = re.search(r"https?://[^/\s]+(/account/confirm/[A-Za-z0-9_-]+)", body)
    assert found, body
    return found.group(1)
