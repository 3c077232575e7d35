"""Rate limits on the account forms (Flask-Limiter), per client address.

Sign-in, the second factor, registration and password reset take at most
``GXDATA_ACCOUNT_RATE`` posts a client (``10 per minute;100 per hour``). The counts live in
memory, or in Redis when ``GXDATA_REDIS_URL`` is set, so that several processes share them.
Past the limit the answer is 429 (the error page says to wait). Each app has its own limiter.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter

from portal import auth

LIMITED_ENDPOINTS = (
    "accounts.sign_in",
    "accounts.two_factor",
    "accounts.register",
    "accounts.forgot",
    "accounts.reset",
)


def storage_uri(redis_url: str | None) -> str:
    return redis_url or "memory://"


def init_app(app: Flask) -> Limiter:
    """A limiter for ``app`` (after the accounts blueprint is registered)."""
    limiter = Limiter(
        key_func=auth.client,
        app=app,
        storage_uri=storage_uri(app.config.get("REDIS_URL")),
        key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", "gxdata"),
        default_limits=[],
        headers_enabled=True,
        in_memory_fallback_enabled=True,  # Redis down: count in memory, keep serving
    )
    rate = app.config.get("ACCOUNT_RATE") or "10 per minute;100 per hour"
    for endpoint in LIMITED_ENDPOINTS:
        view = app.view_functions[endpoint]  # the limit is checked in the wrapper
        app.view_functions[endpoint] = limiter.limit(rate, methods=["POST"])(view)
    app.extensions["gxdata_limiter"] = limiter
    return limiter
