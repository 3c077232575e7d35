"""Languages: Simplified Chinese first, English on request.

The choice comes from ``?lang=zh|en`` (remembered in a cookie), then the cookie, then
Chinese. Browsers' Accept-Language is deliberately not the default: the portal is a
Chinese government service and speaks Chinese unless asked otherwise.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, has_request_context, request
from flask_babel import Babel

LANG_COOKIE = "gxdata_lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if has_request_context():  # the command line speaks the default language
        for candidate in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
            if candidate in languages:
                return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _remember_choice(response: Response) -> Response:
    chosen = request.args.get("lang")
    if chosen in current_app.config["LANGUAGES"] and chosen != request.cookies.get(LANG_COOKIE):
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def current_language() -> str:
    if "lang" not in g:
        g.lang = select_locale()
    return g.lang


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)
    app.after_request(_remember_choice)
    app.jinja_env.globals["current_language"] = current_language
