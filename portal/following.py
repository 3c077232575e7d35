"""The portal's side of the stores that follow the change log (:mod:`catalog.watch`).

A SPARQL query, and a page or API call that reads the search index, first brings its store to
the log's head (one indexed lookup when it is there already), so a dataset withdrawn or
closed by another process is neither answered nor counted (search hits are also read back
from the database's public datasets). A
search while the index is being rebuilt (its folder was deleted) answers 503 with
``Retry-After`` and wakes the follow loop, which rebuilds it from the database.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _

from catalog.search import SearchIndexUnavailable
from portal.db import services
from portal.problems import problem

RETRY_SECONDS = 5


def init_app(app: Flask) -> None:
    app.before_request(_catch_up_before_reading)
    app.register_error_handler(SearchIndexUnavailable, _index_unavailable)


SEARCHING = frozenset({"catalog", "rest_api", "ckan_api", "linked_data"})  # read the index


def _catch_up_before_reading() -> None:
    if request.endpoint == "sparql.endpoint":
        services().sparql_sync.catch_up_if_behind()
    elif request.blueprint in SEARCHING:
        services().index_sync.catch_up_if_behind()


def _index_unavailable(error: SearchIndexUnavailable) -> tuple[Response | str, int]:
    services().follow_loop.wake()
    message = _("The search index is being rebuilt. Please try again in a few seconds.")
    if request.path.startswith("/api/v1"):
        response = problem(503, "search-index-rebuilding", str(error))
    elif request.path.startswith("/api/"):
        body = {"success": False, "error": {"__type": "Service Unavailable", "message": message}}
        response = jsonify(body)
    else:
        response = Response(render_template("error.html", code=503, message=message))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_SECONDS)
    return response, 503
