"""The reviewer's side of applications for conditional data: the queue of their departments,
one application with its attachments and history, and the decisions (``/review/…``); the
``gxdata applications`` and ``gxdata trace`` commands."""

from __future__ import annotations

from flask import Flask

from portal.review import commands, views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    commands.register(app.cli)
