"""Sign a test client in as a person of a role, without going through the sign-in page.

The account and its server-side session are made with the domain functions; the client's
cookie then carries the session secret, exactly as a real sign-in leaves it.
"""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from catalog.accounts import sessions, tokens, users
from catalog.accounts.models import PUBLISH, PUBLISHER, User
from catalog.db import utcnow
from catalog.models import Department


def make_person(
    app: Flask,
    email: str,
    role: str | None = None,
    department: str | None = None,
    password: str = "Staff-pass-2026!",
) -> int:
    """An account (confirmed) with ``role`` (for the department of slug ``department``)."""
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        user = users.find_by_email(db, email)
        if user is None:
            user, _ = users.create_staff_user(db, email=email, password=password)
            user.must_change_password = False
        if role is not None:
            dep = None
            if department is not None:
                dep = db.scalar(select(Department).where(Department.slug == department))
                assert dep is not None, f"no department {department}"
            users.grant_role(db, user, role, dep)
        return user.id


def sign_in_client(app: Flask, client: FlaskClient, user_id: int, two_factor: bool = True) -> str:
    """Give ``client`` a live session of the account; returns the session secret."""
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        user = db.get(User, user_id)
        assert user is not None
        row, secret = sessions.start_session(db, user, "127.0.0.1")
        if two_factor:
            row.two_factor_at = utcnow()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = secret
        cookie["_fresh"] = True
    return secret


def signed_in(
    app: Flask,
    client: FlaskClient,
    email: str,
    role: str | None = None,
    department: str | None = None,
    two_factor: bool = True,
) -> int:
    """Make the account and sign ``client`` in as it; returns the user id."""
    user_id = make_person(app, email, role, department)
    sign_in_client(app, client, user_id, two_factor)
    return user_id


def token_for(
    app: Flask, email: str, department: str | None, scope: str = PUBLISH, days: float = 30
) -> str:
    """An API token of a new person, the publisher of ``department`` (if one is named)."""
    user_id = make_person(app, email, PUBLISHER if department else None, department)
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        user = db.get(User, user_id)
        assert user is not None
        _, secret = tokens.create_api_token(db, user, "ckanapi", scope=scope, days=days)
    return secret


def xlsx_bytes() -> bytes:
    """A small real XLSX workbook with Chinese cells, to upload."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["站点", "线路"])
    sheet.append(["南宁站", "1路"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def dead_tokens(app: Flask, department: str) -> tuple[str, str]:
    """Two publishers' API tokens of ``department``: one expired, one revoked."""
    expired = token_for(app, "expired@example.org", department)
    revoked = token_for(app, "revoked@example.org", department)
    with app.extensions["gxdata"].session_factory() as db, db.begin():
        for token in db.scalars(select(tokens.ApiToken)):
            if token.user.email == "expired@example.org":
                token.expires_at = utcnow() - timedelta(minutes=1)
            if token.user.email == "revoked@example.org":
                tokens.revoke_api_token(token)
    return expired, revoked
