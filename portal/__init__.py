"""The web shell of the Guangxi public data portal: ``create_app()`` builds everything."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response
from flask_wtf.csrf import CSRFProtect

from portal import admin as administration
from portal import (
    auth,
    commands,
    compression,
    conditions,
    db,
    errors,
    following,
    i18n,
    params,
    quality,
    quality_commands,
    review,
    sandboxing,
    stats,
    templating,
)
from portal import config as config_module
from portal import feedback as feedback_loop
from portal.accounts import commands as account_commands
from portal.accounts import limits, mail
from portal.accounts import views as account_views
from portal.api import ckan_write
from portal.api import v1 as rest_api
from portal.api import v1_grants as rest_grants
from portal.api import v1_write as rest_write
from portal.api.ckan import ACTIONS as ckan_actions
from portal.api.ckan import bp as ckan_api
from portal.applications import views as applications
from portal.datarequests import views as datarequests
from portal.health import views as health
from portal.publishing import commands as publishing_commands
from portal.publishing import views as publishing
from portal.reuses import views as reuses
from portal.sandbox import views as sandbox_pages
from portal.stats import commands as stats_commands
from portal.stats import views as stats_views
from portal.versions import views as version_pages
from portal.views import (
    admin,
    catalog_pages,
    citations,
    downloads,
    feeds,
    linked_data,
    pages,
    sparql,
)
from portal.views import quality as quality_views


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the portal. ``config`` overrides the settings read from the environment."""
    overrides = dict(config or {})
    instance = overrides.pop("INSTANCE_PATH", None) or config_module.instance_path()
    Path(instance).mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, instance_path=instance)
    app.config.update(config_module.load_config(instance))
    app.config.update(overrides)
    if "BASE_URL" in overrides:
        app.config["BASE_URL_FIXED"] = True

    i18n.init_app(app)
    templating.init_app(app)
    conditions.init_app(app)
    errors.init_app(app)
    params.init_app(app)
    csrf = CSRFProtect(app)
    db.init_app(app)
    auth.init_app(app)
    mail.init_app(app)
    following.init_app(app)
    quality.init_app(app)
    publishing.init_app(app)
    applications.init_app(app)
    sandboxing.init_app(app)
    sandbox_pages.init_app(app)
    reuses.init_app(app)
    version_pages.init_app(app)
    publishing_commands.register(app.cli)
    review.init_app(app)
    feedback_loop.init_app(app)
    datarequests.init_app(app)
    stats.init_app(app)

    for blueprint in (
        pages.bp,
        health.bp,
        linked_data.bp,
        catalog_pages.bp,
        citations.bp,
        downloads.bp,
        quality_views.bp,
        admin.bp,
        feeds.bp,
        account_views.bp,
        stats_views.bp,
    ):
        app.register_blueprint(blueprint)
    ckan_write.register(ckan_actions)
    app.register_blueprint(ckan_api)
    csrf.exempt(ckan_api)  # JSON API: only API tokens are trusted there, never a cookie
    for api in (sparql.bp, rest_api.bp):  # read-only too: POST carries a query, not a change
        app.register_blueprint(api)
        csrf.exempt(api)
    app.register_blueprint(rest_write.bp)
    csrf.exempt(rest_write.bp)  # REST writes: only API tokens are trusted, never a cookie
    app.register_blueprint(rest_grants.bp)
    csrf.exempt(rest_grants.bp)  # grants: only API tokens (scope conditional), never a cookie

    administration.init_app(app)
    limits.init_app(app)  # after the accounts blueprint: it limits those views
    app.after_request(_security_headers)
    compression.init_app(app)  # runs first of the app's hooks: headers are set on the result
    commands.register(app.cli)
    quality_commands.register(app.cli)
    stats_commands.register(app.cli)  # after quality_commands: it adds to its stats group
    account_commands.register(app.cli)
    return app


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    )
    return response
