"""The data-quality loop's pages (report, tracker, the reporter's link, the department's
workbench) and the ``gxdata feedback`` commands."""

from __future__ import annotations

from flask import Flask

from portal.feedback import commands, views


def init_app(app: Flask) -> None:
    views.init_app(app)
    commands.init_app(app)
