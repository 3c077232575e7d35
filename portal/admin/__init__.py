"""The administration: accounts, departments, applications and the audit log (the harvest
pages are in :mod:`portal.views.admin`). Each page asks :mod:`portal.auth` for its permission."""

from __future__ import annotations

from flask import Flask

from portal.admin import applications, audit, people
from portal.admin.commands import audit_group
from portal.admin.paging import page_numbers
from portal.auth import allowed


def init_app(app: Flask) -> None:
    app.register_blueprint(people.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(applications.bp)
    app.add_template_global(applications.overdue_figures, "overdue_figures")
    app.add_template_global(allowed, "allowed")
    app.add_template_global(page_numbers, "page_numbers")
    app.cli.add_command(audit_group)
