"""The ``gxdata`` console command: a Flask CLI group over :func:`portal.create_app`."""

from __future__ import annotations

from flask.cli import FlaskGroup

from portal import create_app


def _make_app():  # FlaskGroup calls this with no arguments
    return create_app()


main = FlaskGroup(
    name="gxdata",
    create_app=_make_app,
    add_default_commands=True,
    add_version_option=True,
    load_dotenv=False,
    help="广西公共数据开放平台 — the Guangxi public data portal.\n\n"
    "Configuration comes from GXDATA_* environment variables (see README).",
)
