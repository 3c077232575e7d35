"""CKAN's action API (v3) over the public catalog; the write actions are in
:mod:`portal.api.ckan_write` and join the same dispatch.

``/api/3/action/<name>`` and ``/api/action/<name>`` take GET query arguments, a JSON body or
a form-encoded body, and answer in CKAN's envelope ``{"help", "success", "result"}`` or
``{"help", "success": false, "error": {"__type", "message", …}}``:

| case | status | ``__type`` |
|---|---|---|
| unknown action | 400 | ``Bad Request``: ``Bad request - Action name not known: x`` |
| body that is not a JSON object | 400 | ``Bad Request``: ``Bad request - JSON Error: …`` |
| write action not offered (``group_create``, ``*_purge``, …) | 403 | ``Authorization Error`` |
| no API token, or one that is not live or may not act | 403 | ``Authorization Error`` |
| unknown or non-public id | 404 | ``Not Found Error`` |
| bad parameter (``limit=abc``, no ``id``) | 409 | ``Validation Error``, with ``{field: [msg]}`` |
| NUL, lone surrogate, too long; body too big or deep | 400 | ``Validation Error``, ditto |
| ``fq``/``sort`` the portal cannot honour | 409 | ``Search Query Error`` |

CKAN itself answers the two 400 cases with a bare JSON string; the envelope here carries the
same status and message, so clients that read ``error`` keep working. Only public datasets
appear (:func:`catalog.queries.public_datasets`); keys a client sends that an action does not
use (``include_private``, ``use_default_schema``, …) are ignored. A request that sends an API
token is answered only if the token is live; a session cookie is never looked at. Serialisers
live in :mod:`exports.ckan`.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, request, url_for
from sqlalchemy import func

from catalog.browse import ranked_ids
from catalog.ckan_filters import DEFAULT_SORT, CkanPage, compile_filter, search_public
from catalog.ckan_filters import Context as FilterContext
from catalog.db import utcnow
from catalog.errors import FileTooLarge, InvalidValue
from catalog.models import Dataset, Distribution
from catalog.publishing.acts import Forbidden, HarvestedReadOnly, visible_dataset
from catalog.queries import (
    category_counts,
    datasets_by_ids,
    departments_with_counts,
    format_counts,
    get_department,
    get_public_dataset,
    get_public_distribution,
    public_datasets,
    public_distributions,
    public_keywords,
)
from catalog.search.solr_query import Match
from exports.ckan import (
    CkanContext,
    CkanQueryError,
    CkanSearch,
    CkanValidationError,
    boolean,
    facet_dicts,
    group_dict,
    integer,
    licence_dict,
    not_specified_licence,
    organization_dict,
    package_dict,
    parse_search,
    resource_dict,
    status_dict,
    tag_dicts,
)
from exports.dcat.services import CKAN_API
from portal.auth import presented_token, token_actor
from portal.db import get_session, services
from portal.i18n import current_language
from portal.negotiation import JSON_TYPES, negotiate, vary_accept
from portal.params import MAX_BODY_BYTES, InvalidParameter, check_data, decode_json_body
from portal.views import linked_data as ld_views
from vocab import categories, licences

bp = Blueprint("ckan_api", __name__)

SITE_TITLE = "广西公共数据开放平台"
DEFAULT_ROWS = 10
MAX_ROWS = 1000  # package_search rows, like CKAN's ckan.search.rows_max
MAX_LIST = 1000  # organization_list / group_list, like ckan.group_and_organization_list_max
MAX_NAMES = 100_000  # package_list
MAX_START = 10_000_000
WRITE_SUFFIXES = ("_create", "_update", "_patch", "_delete", "_purge")

Action = Callable[[Mapping[str, Any]], Any]
ACTIONS: dict[str, Action] = {}


def action(function: Action) -> Action:
    ACTIONS[function.__name__] = function
    return function


class ActionNotFound(LookupError):
    """The id names nothing public (404)."""


class BadRequestData(ValueError):
    """The request body is not a JSON object (400)."""


class ActionForbidden(PermissionError):
    """No live API token, or one that may not do this (403 Authorization Error)."""


class FieldErrors(ValueError):
    """Values CKAN would refuse, by field (409 Validation Error)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


# -- routes and envelope -------------------------------------------------------------------


@bp.get("/api/3")
@bp.get("/api/3/")
def api_version() -> Response:
    fmt = negotiate(JSON_TYPES)
    if fmt is not None:  # the service's own description (dcat:DataService)
        return ld_views.service_response(CKAN_API, fmt)
    return vary_accept(_json({"version": 3}))


@bp.get("/api/3/action")
@bp.get("/api/3/action/")
@bp.get("/api/action/")
def action_index() -> Response:
    """The actions offered, each with its address (CKAN itself answers 404 here)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    actions = {name: f"{base}/api/3/action/{name}" for name in sorted(ACTIONS)}
    return _json({"help": _help_url("help_show"), "success": True, "result": actions})


@bp.route("/api/3/action/<name>", methods=["GET", "POST"])
@bp.route("/api/action/<name>", methods=["GET", "POST"])
def call_action(name: str) -> Response:
    function = ACTIONS.get(name)
    if function is None:
        if name.endswith(WRITE_SUFFIXES):
            return _error(
                name,
                403,
                "Authorization Error",
                f"Access denied: {name} is not offered here",
            )
        return _error(name, 400, "Bad Request", f"Bad request - Action name not known: {name}")
    if presented_token() and not token_actor().authenticated:
        message = "Access denied: the API token is not valid (expired or revoked?)"
        return _error(name, 403, "Authorization Error", message)
    try:
        result = function(_request_data())
    except BadRequestData as error:
        return _error(name, 400, "Bad Request", f"Bad request - JSON Error: {error}")
    except ActionNotFound as error:
        return _error(name, 404, "Not Found Error", f"Not found: {error}")
    except CkanValidationError as error:
        return _error(name, 409, "Validation Error", str(error), **{error.field: [error.message]})
    except CkanQueryError as error:
        return _error(name, 409, "Search Query Error", f"Search Query is invalid: {error}")
    except (ActionForbidden, Forbidden, HarvestedReadOnly) as error:
        return _error(name, 403, "Authorization Error", f"Access denied: {error}")
    except FieldErrors as error:
        return _error(name, 409, "Validation Error", str(error), **error.errors)
    except (InvalidValue, FileTooLarge) as error:
        field = error.field or ("upload" if isinstance(error, FileTooLarge) else "__before")
        return _error(name, 409, "Validation Error", error.message, **{field: [error.message]})
    return _json({"help": _help_url(name), "success": True, "result": result})


def _json(payload: object, status: int = 200) -> Response:
    body = json.dumps(payload, ensure_ascii=False)
    return Response(body, status=status, content_type="application/json;charset=utf-8")


def _help_url(name: str) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/api/3/action/help_show?name={quote(name, safe='')}"


def _error(action: str, status: int, kind: str, message: str, /, **details: object) -> Response:
    """CKAN's error envelope; ``details`` are field errors, so they may be called ``name``
    or ``action`` too (hence the positional-only parameters)."""
    error = {"__type": kind, "message": message, **details}
    return _json({"help": _help_url(action), "success": False, "error": error}, status)


@bp.errorhandler(InvalidParameter)
def _invalid_parameter(error: InvalidParameter) -> Response:
    """Text that cannot be taken, in the query, the path or the body (400)."""
    name = str((request.view_args or {}).get("name", ""))
    message = f"Bad request - {error.field} {error.message}"
    return _error(name, 400, "Validation Error", message, **{error.field: [error.message]})


def _mixed(values: Any) -> dict[str, Any]:
    """A multi-dict as CKAN reads it: repeated keys become lists."""
    return {
        key: items[0] if len(items) == 1 else items
        for key, items in values.to_dict(flat=False).items()
    }


def _request_data() -> dict[str, Any]:
    """The action's parameters from the query string (GET) or the body (POST), their text
    checked (:mod:`portal.params`: no NUL, no lone surrogate, bounded length and depth)."""
    limit = MAX_BODY_BYTES
    if request.mimetype == "multipart/form-data":  # a file upload (resource_create …)
        limit += current_app.config["MAX_UPLOAD_BYTES"]
    if (request.content_length or 0) > limit:
        raise InvalidParameter("body", f"must be at most {MAX_BODY_BYTES} bytes")
    if request.method == "GET":
        data: object = _mixed(request.args)
    elif request.form:
        values = list(request.form.values())
        if len(values) == 1 and values[0] in ("", "1"):  # JSON posted as a form (curl -d)
            data = _decode(next(iter(request.form.keys())))
        else:
            data = _mixed(request.form)
    else:
        body = request.get_data(cache=True)
        data = _decode(body) if body.strip() else _mixed(request.args)
    if not isinstance(data, dict):
        raise BadRequestData(
            f"Request data JSON decoded to {data!r} but it needs to be a dictionary."
        )
    data.pop("callback", None)  # JSONP is not offered
    check_data(data)
    return data


def _decode(body: str | bytes) -> object:
    """A JSON body, bounded and checked by :func:`portal.params.decode_json_body`."""
    try:
        return decode_json_body(body)
    except InvalidParameter:
        raise
    except ValueError as error:  # also UnicodeDecodeError
        raise BadRequestData(str(error)) from None


def context() -> CkanContext:
    """How this request's dicts are written (base URL, links, language)."""
    return CkanContext(current_app.config["BASE_URL"], url_for, current_language())


def _required(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None or value == "":
        raise CkanValidationError(key, "Missing value")
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise CkanValidationError(key, "Must be a single value")
    return str(value)


# -- actions -------------------------------------------------------------------------------


@action
def package_list(data: Mapping[str, Any]) -> list[str]:
    """Names of every public dataset, sorted; ``limit`` and ``offset`` page the list."""
    limit = integer(data, "limit", None, 0, MAX_NAMES)
    offset = integer(data, "offset", 0, 0, MAX_START)
    stmt = public_datasets().with_only_columns(Dataset.slug).order_by(Dataset.slug).offset(offset)
    if limit:  # as in CKAN, 0 means no limit
        stmt = stmt.limit(limit)
    return list(get_session().scalars(stmt))


@action
def package_show(data: Mapping[str, Any]) -> dict[str, Any]:
    """One dataset by ``id`` (its UUID or name): a public one, or with an API token one of
    a department whose drafts the token's owner reads."""
    key = _required(data, "id")
    dataset = get_public_dataset(get_session(), key)
    if dataset is None and presented_token():
        dataset = visible_dataset(get_session(), token_actor(), key)
    if dataset is None:
        raise ActionNotFound("no public dataset has this id or name")
    return package_dict(dataset, context())


@action
def package_search(data: Mapping[str, Any]) -> dict[str, Any]:
    """Search public datasets with CKAN's parameters.

    ``q``: full text (fielded clauses on filter fields filter). ``fq`` and ``fq_list``: Solr
    filter queries on metadata_modified, metadata_created, tags, license_id, name, id,
    owner_org, organization, groups, res_format, isopen, num_resources, type, state, text (and
    open_type, division, update_frequency): ranges ``[a TO b]``/``{a TO b}`` with ``*`` and
    ``NOW-1DAY``-style dates, quoted values, ``AND``/``OR``/``NOT``/``-``, brackets.
    ``sort``: id, name, title_string, metadata_modified, metadata_created, score; asc or desc,
    comma-separated (ties by id). ``rows`` (at most 1000), ``start``. ``facet.field`` (those
    fields, tags, license_id), ``facet.limit``, ``facet.mincount``. Anything else in fq or
    sort is a Search Query Error."""
    search = parse_search(data)
    rows = integer(data, "rows", DEFAULT_ROWS, 0, MAX_ROWS)
    start = integer(data, "start", 0, 0, MAX_START)
    found = _search(search, start or 0, DEFAULT_ROWS if rows is None else rows)
    facets, search_facets = facet_dicts(found.facets, found.departments, current_language())
    return {
        "count": found.total,
        "sort": data.get("sort") or DEFAULT_SORT,
        "results": _packages(found),
        "facets": facets,
        "search_facets": search_facets,
    }


@action
def current_package_list_with_resources(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Public datasets with their resources, newest first; ``limit``, ``offset`` or ``page``."""
    limit = integer(data, "limit", DEFAULT_ROWS, 0, MAX_ROWS) or 0
    offset = integer(data, "offset", None, 0, MAX_START)
    if offset is None:
        offset = ((integer(data, "page", 1, 1, MAX_START) or 1) - 1) * limit
    return _packages(_search(CkanSearch(sort=NEWEST), offset, limit))


@action
def resource_show(data: Mapping[str, Any]) -> dict[str, Any]:
    """One resource (distribution) of a public dataset by ``id``."""
    distribution = get_public_distribution(get_session(), _required(data, "id"))
    if distribution is None:
        raise ActionNotFound("no resource of a public dataset has this id")
    return resource_dict(distribution, distribution.dataset, context())


@action
def organization_list(data: Mapping[str, Any]) -> list[Any]:
    """Departments that publish public datasets: names, or dicts with ``all_fields``;
    ``sort`` (name, title, package_count; asc or desc), ``limit``, ``offset``."""
    rows = [(d, n) for d, n in departments_with_counts(get_session()) if n > 0]
    rows = _sorted_page(data, rows, name=lambda d: d.slug, title=lambda d: d.name)
    if not boolean(data, "all_fields"):
        return [department.slug for department, _ in rows]
    ctx, with_count = context(), boolean(data, "include_dataset_count", True)
    return [organization_dict(d, ctx, n if with_count else None) for d, n in rows]


@action
def organization_show(data: Mapping[str, Any]) -> dict[str, Any]:
    """One department by ``id`` (its name or numeric id); ``include_datasets`` adds
    ``packages`` (at most 1000, newest first)."""
    department = get_department(get_session(), _required(data, "id"))
    if department is None:
        raise ActionNotFound("no organization has this id or name")
    ctx = context()
    found = _holder_datasets(data, "organization", department.slug)
    organization = organization_dict(department, ctx, found.total, full=True)
    organization |= {"users": [], "groups": [], "tags": []}  # no members, no sub-groups here
    if boolean(data, "include_datasets"):
        organization["packages"] = _packages(found)
    return organization


@action
def group_list(data: Mapping[str, Any]) -> list[Any]:
    """The high-value data categories as groups: names, or dicts with ``all_fields``."""
    counts = category_counts(get_session())
    rows = [(c, counts.get(c.notation, 0)) for c in categories.scheme()]
    rows = _sorted_page(data, rows, name=lambda c: c.notation, title=lambda c: c.label("zh"))
    if not boolean(data, "all_fields"):
        return [concept.notation for concept, _ in rows]
    ctx = context()
    return [group_dict(concept, ctx, n) for concept, n in rows]


@action
def group_show(data: Mapping[str, Any]) -> dict[str, Any]:
    """One category by ``id`` (its notation, e.g. meteorology); ``include_datasets`` adds
    ``packages``."""
    concept = categories.scheme().by_notation(_required(data, "id"))
    if concept is None:
        raise ActionNotFound("no group has this id or name")
    ctx = context()
    found = _holder_datasets(data, "groups", concept.notation)
    group = group_dict(concept, ctx, found.total)
    if boolean(data, "include_datasets"):
        group["packages"] = _packages(found)
    return group


@action
def tag_list(data: Mapping[str, Any]) -> list[Any]:
    """Keywords of public datasets; ``query`` keeps those containing it, ``all_fields``
    returns dicts."""
    query = str(data.get("query") or "").strip().casefold()
    names = [k for k in public_keywords(get_session()) if query in k.casefold()]
    return tag_dicts(names) if boolean(data, "all_fields") else names


@action
def tag_show(data: Mapping[str, Any]) -> dict[str, Any]:
    """One keyword of public datasets by ``id`` (its name); ``include_datasets`` adds
    ``packages`` (at most 1000, newest first)."""
    name = _required(data, "id")
    if name not in public_keywords(get_session()):
        raise ActionNotFound("no public dataset has this tag")
    tag = tag_dicts([name])[0] | {"id": name}
    if boolean(data, "include_datasets"):
        tag["packages"] = _packages(
            _search(CkanSearch(filter=Match("tags", name), sort=NEWEST), 0, MAX_ROWS)
        )
    return tag


@action
def license_list(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The licences datasets here may carry (the licence vocabulary), in the shape of CKAN's
    licence register, and ``notspecified`` for datasets that name none."""
    lang, base_url = current_language(), current_app.config["BASE_URL"]
    return [licence_dict(c, lang, base_url) for c in licences.scheme().concepts] + [
        not_specified_licence(lang)
    ]


# resource_search field -> the distribution column it searches (``url``: the public URL)
RESOURCE_FIELDS = {
    "name": Distribution.title,
    "description": Distribution.description,
    "format": Distribution.format,
    "id": Distribution.id,
    "mimetype": Distribution.media_type,
}
RESOURCE_ORDER = {"name": Distribution.title, "format": Distribution.format, "id": Distribution.id}


@action
def resource_search(data: Mapping[str, Any]) -> dict[str, Any]:
    """Resources of public datasets: ``query`` is ``field:term`` (or a list of them, all must
    hold; name, description, format, id, mimetype, url), matched case-insensitively as a
    substring; ``url`` matches only the URL the public sees. ``order_by``, ``offset``,
    ``limit``."""
    raw = data.get("query") or []
    terms = raw if isinstance(raw, list) else [raw]
    stmt = public_distributions()
    url_terms: list[str] = []
    for term in terms:
        if not isinstance(term, str) or ":" not in term:
            raise CkanValidationError("query", "Must be field:term")
        key, value = (part.strip() for part in term.split(":", 1))
        if key == "url":
            url_terms.append(value.casefold())
        elif key in RESOURCE_FIELDS:
            stmt = stmt.where(
                func.lower(RESOURCE_FIELDS[key]).contains(value.lower(), autoescape=True)
            )
        else:
            raise CkanValidationError("query", f"Field {key!r} not recognised in resource_search.")
    order = str(data.get("order_by") or "id")
    if order not in RESOURCE_ORDER:
        raise CkanValidationError("order_by", f"Cannot order by {order!r}")
    stmt = stmt.order_by(RESOURCE_ORDER[order], Distribution.id)
    ctx = context()
    found = [
        resource
        for distribution in get_session().scalars(stmt)
        for resource in [resource_dict(distribution, distribution.dataset, ctx)]
        if all(term in resource["url"].casefold() for term in url_terms)
    ]
    offset = integer(data, "offset", 0, 0, MAX_START) or 0
    limit = integer(data, "limit", MAX_ROWS, 0, MAX_ROWS)
    return {"count": len(found), "results": found[offset : offset + (limit or 0)]}


@action
def package_autocomplete(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Public datasets whose title or name contains ``q`` (``limit``, default 10): title
    matches first."""
    q = str(data.get("q") or "").strip()
    limit = integer(data, "limit", 10, 1, MAX_LIST) or 10
    if not q:
        return []
    found: list[dict[str, Any]] = []
    for field_name, column in (("title", Dataset.title), ("name", Dataset.slug)):
        stmt = (
            public_datasets()
            .with_only_columns(Dataset.slug, Dataset.title, column)
            .where(func.lower(column).contains(q.lower(), autoescape=True))
            .order_by(func.length(column), column)
            .limit(limit)
        )
        for name, title, matched in get_session().execute(stmt):
            if all(item["name"] != name for item in found):
                found.append(
                    {
                        "name": name,
                        "title": title,
                        "match_field": field_name,
                        "match_displayed": matched,
                    }
                )
    return found[:limit]


@action
def format_autocomplete(data: Mapping[str, Any]) -> list[str]:
    """Resource formats containing ``q`` (``limit``, default 5), most used first."""
    q = str(data.get("q") or "").strip().casefold()
    limit = integer(data, "limit", 5, 1, MAX_LIST) or 5
    return [f for f, _ in format_counts(get_session()) if q in f.casefold()][:limit]


@action
def status_show(data: Mapping[str, Any]) -> dict[str, Any]:
    """The site and the CKAN API version it follows."""
    config = current_app.config
    return status_dict(config.get("SITE_TITLE", SITE_TITLE), config["BASE_URL"])


@action
def help_show(data: Mapping[str, Any]) -> str:
    """What an action (``name``) does and which parameters it reads."""
    name = _required(data, "name")
    if name not in ACTIONS:
        raise ActionNotFound(f"no action is called {name}")
    return inspect.getdoc(ACTIONS[name]) or name


def _sorted_page(
    data: Mapping[str, Any],
    rows: list[tuple[Any, int]],
    name: Callable[[Any], str],
    title: Callable[[Any], str],
) -> list[tuple[Any, int]]:
    """Rows (holder, dataset count) sorted and paged as CKAN's organization_list does."""
    keys: dict[str, Callable[[tuple[Any, int]], Any]] = {
        "name": lambda row: name(row[0]),
        "title": lambda row: title(row[0]),
        "package_count": lambda row: row[1],
    }
    words = str(data.get("sort") or "title asc").split()
    if not words or words[0] not in keys or words[1:] not in ([], ["asc"], ["desc"]):
        raise CkanValidationError("sort", f"Cannot sort by {data.get('sort')!r}")
    ordered = sorted(rows, key=keys[words[0]], reverse=words[1:] == ["desc"])
    limit = integer(data, "limit", MAX_LIST, 0, MAX_LIST) or MAX_LIST
    offset = integer(data, "offset", 0, 0, MAX_START) or 0
    return ordered[offset : offset + limit]


def _holder_datasets(data: Mapping[str, Any], field_name: str, value: str) -> CkanPage:
    rows = MAX_ROWS if boolean(data, "include_datasets") else 0
    return _search(CkanSearch(filter=Match(field_name, value), sort=NEWEST), 0, rows)


# -- search over CKAN's start/rows ---------------------------------------------------------

NEWEST = (("modified", True),)


def _search(search: CkanSearch, start: int, rows: int) -> CkanPage:
    """The public datasets of a CKAN search: fq compiled to SQL, q ranked by the engine."""
    session = get_session()
    ctx = FilterContext(session, _text_ids, utcnow())
    where = compile_filter(ctx, search.filter)
    ranking = _text_ids(search.text) if search.text else None
    return search_public(
        session, where, ranking, search.sort, start, rows,
        search.facet_fields, search.facet_limit, search.facet_mincount,
    )  # fmt: skip


def _text_ids(text: str) -> list[str]:
    return ranked_ids(services().search, text)


def _packages(page: CkanPage) -> list[dict[str, Any]]:
    ctx = context()
    return [package_dict(d, ctx) for d in datasets_by_ids(get_session(), page.ids)]
