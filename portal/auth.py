"""Who is asking: a signed-in person, a developer's API token, or nobody.

Every view that acts for somebody asks :func:`current_actor` and then
:func:`catalog.permissions.can` (through :func:`require` or :func:`allowed`); nothing else
decides. Two ways in, never mixed:

- **Browser sessions** (Flask-Login). The signed cookie holds only a random secret; the
  ``user_session`` row it names says whose it is (:mod:`catalog.accounts.sessions`). Signing
  in clears the cookie and makes a new secret; signing out ends the row, so a copied cookie
  opens nothing afterwards. Pages use these; every form carries a CSRF token.
- **API tokens**, for the JSON APIs only (which trust no cookie, so need no CSRF token):
  ``Authorization: <token>``, ``Authorization: Bearer <token>`` or ``X-CKAN-API-Key: <token>``,
  as ckanapi sends them. A token acts with its owner's roles cut to its scope.

Each lookup runs in a short transaction of its own, so a view's transaction is untouched.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from catalog.accounts import sessions as account_sessions
from catalog.accounts import tokens
from catalog.accounts.models import User, UserSession
from catalog.accounts.users import password_change_due
from catalog.audit import Origin
from catalog.db import utcnow
from catalog.permissions import ANONYMOUS, Actor, actor_for, can
from portal.db import services
from portal.params import client_address

TOKEN_HEADERS = ("X-CKAN-API-Key", "Authorization")
SIGN_IN = "accounts.sign_in"  # the endpoint of the sign-in page
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


@dataclass
class SignedIn(UserMixin):
    """What a page knows of the person signed in (no ORM object leaves the lookup)."""

    secret: str
    user_id: int
    pseudonym: str
    display_name: str
    email: str
    actor: Actor
    needs_two_factor: bool  # a role asks for a second factor not given yet
    password_change_due: bool

    def get_id(self) -> str:
        return self.secret


def init_app(app: Flask) -> None:
    manager = LoginManager()
    manager.session_protection = None  # the server-side session is the protection
    manager.user_loader(_load_session)
    manager.unauthorized_handler(_unauthorized)
    manager.init_app(app)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault(
        "SESSION_COOKIE_SECURE", str(app.config.get("BASE_URL", "")).startswith("https://")
    )
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)


def current_actor() -> Actor:
    """The actor of this request: the API token's if one is sent, else the signed-in person's."""
    if "actor" not in g:
        g.actor = token_actor() if presented_token() else session_actor()
    actor: Actor = g.actor
    return actor


def session_actor() -> Actor:
    person = current_user
    if isinstance(person, SignedIn):
        return person.actor
    return ANONYMOUS


def presented_token() -> str | None:
    """The API token of the request's headers, as ckanapi and curl send it."""
    for header in TOKEN_HEADERS:
        value = request.headers.get(header, "").strip()
        if not value:
            continue
        if header == "Authorization" and value.lower().startswith("bearer "):
            value = value[7:].strip()
        return value or None
    return None


def token_actor() -> Actor:
    """The actor of the request's API token; ANONYMOUS (with ``g.bad_token``) if it is not live."""
    if "token_actor" not in g:
        g.token_actor = _find_token_actor()
    actor: Actor = g.token_actor
    return actor


def _find_token_actor() -> Actor:
    secret = presented_token()
    g.bad_token = False
    if not secret:
        return ANONYMOUS
    with services().session_factory() as db, db.begin():
        token = tokens.find_api_token(db, secret)
        if token is None:
            g.bad_token = True
            return ANONYMOUS
        return actor_for(token.user, scope=token.scope, token_id=token.id)


class NoToken(PermissionError):
    """A write API was called without an API token (a session cookie does not count)."""


class BadToken(PermissionError):
    """The API token sent is unknown, expired or revoked."""


def api_actor() -> Actor:
    """The actor of a write API request: its API token's, and nobody else's (a session
    cookie is not looked at, which is why the APIs need no CSRF token)."""
    if not presented_token():
        raise NoToken("send an API token (Authorization header)")
    actor = token_actor()
    if not actor.authenticated:
        raise BadToken("the API token is not valid (expired or revoked?)")
    return actor


def origin() -> Origin:
    """Where this request's act comes from, for its audit row."""
    return Origin(request_id(), client())


def allowed(action: str, department_id: int | None = None) -> bool:
    actor = current_actor()
    if not actor.authenticated:
        return False
    with services().session_factory() as db:
        return can(db, actor, action, department_id)


def require(action: str, department_id: int | None = None) -> Actor:
    """The actor, if it may take ``action``; else the sign-in page (nobody) or 403."""
    actor = current_actor()
    if not allowed(action, department_id):
        if not actor.authenticated and request.method == "GET":
            abort(_to_sign_in())
        abort(403)
    return actor


def requires(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view decorator for actions of the platform (not of one department)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            require(action)
            return view(*args, **kwargs)

        return guarded

    return decorate


def sign_in(user: User, db_session: Any) -> UserSession:
    """Start a server-side session for ``user`` (checked already) in ``db_session``'s
    transaction, with a new secret, and put it in a cleared cookie."""
    logout_user()
    session.clear()
    row, secret = account_sessions.start_session(db_session, user, client())
    login_user(_signed_in(row, secret))
    g.pop("actor", None)
    return row


def sign_out() -> None:
    """End the session on the server, then forget the cookie."""
    person = current_user
    if isinstance(person, SignedIn):
        with services().session_factory() as db, db.begin():
            row = account_sessions.find_session(db, person.secret)
            if row is not None:
                account_sessions.end_session(row)
    logout_user()
    session.clear()
    g.pop("actor", None)


def request_id() -> str:
    """The request's id: a sane ``X-Request-Id`` from a proxy, else one made here."""
    if "request_id" not in g:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    value: str = g.request_id
    return value


def client() -> str:
    return client_address(current_app.config.get("TRUSTED_PROXIES", 0))


def _load_session(secret: str) -> SignedIn | None:
    with services().session_factory() as db, db.begin():
        row = account_sessions.find_session(db, secret, utcnow())
        if row is None:
            return None
        return _signed_in(row, secret)


def _signed_in(row: UserSession, secret: str) -> SignedIn:
    user = row.user
    two_factor = row.two_factor_at is not None
    return SignedIn(
        secret=secret,
        user_id=user.id,
        pseudonym=user.pseudonym,
        display_name=user.display_name or "",
        email=user.email or "",
        actor=actor_for(user, two_factor=two_factor),
        needs_two_factor=user.needs_two_factor and not two_factor,
        password_change_due=password_change_due(user),
    )


def _unauthorized() -> Any:
    return _to_sign_in()


def _to_sign_in() -> Any:
    """The sign-in page, coming back here afterwards; a plain 401 page where the portal has
    no sign-in page (an app built without the accounts pages)."""
    if SIGN_IN not in current_app.view_functions:
        abort(401)
    return redirect(url_for(SIGN_IN, next=request.full_path.rstrip("?")))
