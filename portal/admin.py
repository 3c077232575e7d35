"""Who may administer the portal, decided in one place.

Accounts come in a later issue; until then a token configured in ``GXDATA_ADMIN_TOKEN`` opens
the administration pages. Without it they are disabled and say so. A person proves the token
once on the sign-in page; the signed session then carries a digest of it, so that changing
the token signs everybody out. Replacing this module is all it takes to use accounts instead.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, redirect, render_template, request, session, url_for

SESSION_KEY = "gxdata_admin"


def admin_enabled() -> bool:
    return bool(current_app.config.get("ADMIN_TOKEN"))


def is_admin() -> bool:
    if not admin_enabled():
        return False
    return hmac.compare_digest(str(session.get(SESSION_KEY, "")), _digest())


def sign_in(token: str) -> bool:
    """Sign in with ``token``; False when it is not the configured one."""
    configured = current_app.config.get("ADMIN_TOKEN") or ""
    if not configured or not hmac.compare_digest(token.encode(), configured.encode()):
        return False
    session[SESSION_KEY] = _digest()
    return True


def sign_out() -> None:
    session.pop(SESSION_KEY, None)


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse a view to anybody but an administrator (disabled without a token)."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not admin_enabled():
            return render_template("admin/disabled.html"), 403
        if not is_admin():
            return redirect(url_for("admin.sign_in_page", next=request.path))
        return view(*args, **kwargs)

    return guarded


def _digest() -> str:
    configured = (current_app.config.get("ADMIN_TOKEN") or "").encode()
    return hmac.new(configured, b"gxdata-admin", hashlib.sha256).hexdigest()
