"""Rate limits on the account forms (Flask-Limiter), per client address.

Sign-in, the second factor, registration and password reset take at most
``GXDATA_ACCOUNT_RATE`` posts a client (``10 per minute;100 per hour``). The counts live in
memory, or in Redis when ``GXDATA_REDIS_URL`` is set, so that several processes share them.
Past the limit the answer is 429 (the error page says to wait). Each app has its own limiter.

:func:`spend_call` is the rate of the API channels of conditional data (verification questions,
row pages): calls a minute per grant, at the rate the dataset's conditions state, counted in
the same storage; past it the caller answers 429 with the ``Retry-After`` it returns.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app
from flask_limiter import Limiter
from limits import RateLimitItemPerMinute

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


def spend_call(scope: str, grant_id: str, per_minute: int) -> int | None:
    """Count one call of ``scope`` (``verify``, ``rows``) under the grant; None when it is
    within ``per_minute`` calls a minute, else the seconds to wait (at least 1)."""
    limiter: Limiter = current_app.extensions["gxdata_limiter"]
    item = RateLimitItemPerMinute(per_minute)
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "gxdata")
    if limiter.limiter.hit(item, prefix, "grant-call", scope, grant_id):
        return None
    reset_at = limiter.limiter.get_window_stats(item, prefix, "grant-call", scope, grant_id)[0]
    return max(1, math.ceil(reset_at - time.time()))
