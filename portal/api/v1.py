"""The REST API ``/api/v1``: datasets (search, facets), distributions, departments,
categories and vocabularies as JSON, described by OpenAPI 3.1 at ``/api/v1/openapi.json``.

Lists page with stable cursors (``cursor`` = the ``next`` token of the previous page; order by
id). Every GET answers with an ETag (``If-None-Match`` gives 304), ``Cache-Control`` and CORS
headers; errors are RFC 9457 problem JSON. Only public datasets appear.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, json, render_template, request
from werkzeug.exceptions import HTTPException

from catalog import linked_data, queries, uris
from catalog.cursors import CursorError, decode_cursor, encode_cursor
from catalog.models import Dataset
from catalog.search.base import FACET_FIELDS, SearchQuery
from exports import rest
from exports.dcat.services import REST_API
from exports.vocabularies import schemes
from portal.api.openapi import openapi_document
from portal.db import get_session, services
from portal.errors import with_error_headers
from portal.i18n import current_language
from portal.negotiation import JSON_TYPES, negotiate, vary_accept
from portal.params import InvalidParameter
from portal.problems import problem
from portal.views import linked_data as ld_views
from vocab import categories

bp = Blueprint("rest_api", __name__, url_prefix="/api/v1")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
CACHE = "public, max-age=60"
# tokens travel in a header, never a cookie, so any origin may write with one
WRITE_CORS = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE",
    "Access-Control-Allow-Headers": "If-None-Match, Accept, Authorization, X-CKAN-API-Key, "
    "Content-Type",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def _base() -> str:
    return current_app.config["BASE_URL"]


def _lang() -> str:
    return current_language()


def _json(body: Any) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
    response.headers["Cache-Control"] = CACHE
    response.add_etag()
    return response.make_conditional(request)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    return problem(error.status, error.code, error.detail)


@bp.errorhandler(InvalidParameter)
def _invalid_parameter(error: InvalidParameter) -> Response:
    return problem(400, "invalid-parameter", f"{error.field} {error.message}")


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    code = (error.name or "error").lower().replace(" ", "-")
    return with_error_headers(problem(error.code or 500, code, error.description or ""), error)


@bp.after_request
def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = WRITE_CORS["Access-Control-Allow-Methods"]
    response.headers["Access-Control-Allow-Headers"] = WRITE_CORS["Access-Control-Allow-Headers"]
    response.headers["Access-Control-Expose-Headers"] = "ETag, Link"
    response.vary.add("Accept-Language")
    return response


@bp.get("/")
def root() -> Response:
    fmt = negotiate(JSON_TYPES)
    if fmt is not None:  # the service's own description (dcat:DataService)
        return ld_views.service_response(REST_API, fmt)
    api = uris.rest_api_uri(_base())
    return vary_accept(
        _json(
            {
                "title": "广西公共数据开放平台 REST 接口",
                "openapi": f"{api}/openapi.json",
                "docs": f"{api}/docs",
                "links": {
                    name: f"{api}/{name}"
                    for name in ("datasets", "departments", "categories", "vocabularies")
                },
            }
        )
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    return _json(openapi_document(_base()))


@bp.get("/docs")
def docs() -> str:
    return render_template("api_docs.html", spec=openapi_document(_base()))


# -- datasets ----------------------------------------------------------------------------------


def _limit() -> int:
    raw = request.args.get("limit", str(DEFAULT_LIMIT))
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, "invalid-limit", f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


@bp.get("/datasets")
def datasets() -> Response:
    session = get_session()
    try:
        flt = linked_data.parse_filter(request.args.to_dict(flat=False))
        after = decode_cursor(request.args["cursor"]) if request.args.get("cursor") else ""
    except (linked_data.FilterError, CursorError) as error:
        raise ApiError(400, "invalid-parameter", str(error)) from error
    limit = _limit()
    stmt = linked_data.filtered_datasets(services().search, flt)
    total = linked_data.count(session, stmt)
    rows = linked_data.page_of(session, stmt.where(Dataset.id > after), 1, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    api = f"{uris.rest_api_uri(_base())}/datasets"
    next_cursor = encode_cursor(rows[-1].id) if more and rows else None
    body: dict[str, Any] = {
        "total": total,
        "limit": limit,
        "next": next_cursor,
        "links": {"next": _with_cursor(api, next_cursor) if next_cursor else None},
        "results": [rest.dataset_summary(d, _base(), _lang()) for d in rows],
    }
    if request.args.get("facets", "true") != "false":
        body["facets"] = _facets(flt)
    return _json(body)


def _with_cursor(api: str, cursor: str) -> str:
    args = [(k, v) for k, values in request.args.lists() for v in values if k != "cursor"]
    args.append(("cursor", cursor))
    return f"{api}?{urlencode(args)}"


def _facets(flt: linked_data.CatalogFilter) -> dict[str, list[dict[str, Any]]]:
    query = SearchQuery(text=flt.text, filters=dict(flt.facets), per_page=1, facet_limit=50)
    result = services().search.search(query)
    return {
        name: [{"value": value, "count": count} for value, count in result.facets.get(name, [])]
        for name in FACET_FIELDS
    }


def _dataset(dataset_id: str) -> Dataset:
    found = queries.get_public_dataset(get_session(), dataset_id)
    if found is None:
        raise ApiError(404, "not-found", f"no public dataset {dataset_id!r}")
    return found


@bp.get("/datasets/<dataset_id>")
def dataset(dataset_id: str) -> Response:
    return _json(rest.dataset_detail(_dataset(dataset_id), _base(), _lang()))


@bp.get("/datasets/<dataset_id>/distributions")
def dataset_distributions(dataset_id: str) -> Response:
    found = _dataset(dataset_id)
    return _json(
        {"results": [rest.distribution_dict(d, found, _base()) for d in found.distributions]}
    )


@bp.get("/distributions/<distribution_id>")
def distribution(distribution_id: str) -> Response:
    found = queries.get_public_distribution(get_session(), distribution_id)
    if found is None:
        raise ApiError(404, "not-found", f"no public distribution {distribution_id!r}")
    return _json(rest.distribution_dict(found, found.dataset, _base()))


# -- departments, categories, vocabularies ------------------------------------------------


@bp.get("/departments")
def departments() -> Response:
    rows = [(d, n) for d, n in queries.departments_with_counts(get_session()) if n > 0]
    rows.sort(key=lambda row: row[0].slug)
    return _json({"results": [rest.department_dict(d, n, _base()) for d, n in rows]})


@bp.get("/departments/<slug>")
def department(slug: str) -> Response:
    session = get_session()
    found = queries.get_department(session, slug)
    if found is None:
        raise ApiError(404, "not-found", f"no department {slug!r}")
    only = linked_data.CatalogFilter(facets={"department": [found.slug]})
    count = linked_data.count(session, linked_data.filtered_datasets(None, only))
    return _json(rest.department_dict(found, count, _base()))


@bp.get("/categories")
def category_list() -> Response:
    counts = queries.category_counts(get_session())
    results = []
    for concept in categories.scheme():
        item = rest.concept_dict(concept, _base(), _lang())
        item["datasets"] = counts.get(concept.notation, 0)
        item["hvd_category"] = categories.hvd_category(concept.notation)
        results.append(item)
    return _json({"results": results})


@bp.get("/categories/<code>")
def category(code: str) -> Response:
    concept = categories.scheme().by_notation(code)
    if concept is None:
        raise ApiError(404, "not-found", f"no category {code!r}")
    item = rest.concept_dict(concept, _base(), _lang())
    item["datasets"] = queries.category_counts(get_session()).get(code, 0)
    item["hvd_category"] = categories.hvd_category(code)
    return _json(item)


@bp.get("/vocabularies")
def vocabularies() -> Response:
    return _json(
        {"results": [rest.scheme_dict(s, _base(), _lang(), False) for s, _ in schemes().values()]}
    )


@bp.get("/vocabularies/<name>")
def vocabulary(name: str) -> Response:
    entry = schemes().get(name)
    if entry is None:
        raise ApiError(404, "not-found", f"no vocabulary {name!r}")
    return _json(rest.scheme_dict(entry[0], _base(), _lang(), True))
