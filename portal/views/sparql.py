"""The read-only SPARQL 1.1 endpoint (protocol: GET and POST), with a small HTML form.

Results: JSON, XML, CSV or TSV for SELECT and ASK (``format=`` or the Accept header),
Turtle, N-Triples, RDF/XML or JSON-LD for CONSTRUCT and DESCRIBE. ``default-graph-uri`` and
``named-graph-uri`` name the query's RDF dataset (SPARQL 1.1 Protocol §2.1.4); without them it
is the union of all graphs. A ``GET`` without a query answers the HTML form, or with an RDF
Accept header the endpoint's description (``dcat:DataService`` and a SPARQL 1.1 Service
Description). Every response allows any origin (CORS), and ``OPTIONS`` answers a preflight.
Errors are problem JSON: a malformed query, two queries, an update or a federated query
(``SERVICE``) is 400, a query past the time limit 422, a client with too many queries in 429,
a full endpoint 503 (both with ``Retry-After``).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _

from exports.dcat.services import SPARQL
from exports.sparql_protocol import GRAPH_TYPES, RESULT_TYPES, QueryDataset, QueryFailed
from portal.db import services
from portal.negotiation import negotiate
from portal.params import client_address
from portal.problems import problem
from portal.views import linked_data

bp = Blueprint("sparql", __name__)
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
MAX_QUERY_CHARS = 20_000


CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
    "Access-Control-Max-Age": "86400",
}


@bp.after_request
def _cors(response: Response) -> Response:
    """Any origin may query (a read-only endpoint that trusts no cookie)."""
    response.headers["Access-Control-Allow-Origin"] = CORS["Access-Control-Allow-Origin"]
    return response


@bp.route("/sparql", methods=["OPTIONS"])
def preflight() -> Response:
    response = Response(status=204)
    response.headers.update(CORS)
    response.headers["Allow"] = "GET, POST, OPTIONS"
    return response


@bp.route("/sparql", methods=["GET", "POST"], provide_automatic_options=False)
def endpoint() -> Response | str:
    text, error = _query_text()
    if error is not None:
        return error
    if text is None:
        fmt = negotiate()
        if fmt is not None:
            return linked_data.service_response(SPARQL, fmt)
        page = Response(render_template("sparql.html", examples=EXAMPLES))
        return linked_data.service_alternates(page, SPARQL)
    config = current_app.config
    if not _acceptable():
        return problem(
            406,
            "not-acceptable",
            "no result format fits the Accept header; available: "
            + ", ".join((*RESULT_TYPES.values(), *GRAPH_TYPES.values())),
        )
    result_key, graph_key = _choose(RESULT_TYPES, "json"), _choose(GRAPH_TYPES, "ttl")
    try:
        answer = services().sparql.query(
            text,
            config["SPARQL_TIMEOUT"],
            config["SPARQL_MAX_ROWS"],
            result_key,
            graph_key,
            client=client_address(config["TRUSTED_PROXIES"]),
            dataset=_dataset(),
        )
    except QueryFailed as failed:
        return _failure(failed)
    types = GRAPH_TYPES if answer.kind == "graph" else RESULT_TYPES
    response = Response(answer.text, mimetype=types[answer.key])
    if answer.truncated:
        response.headers["X-SPARQL-MaxRows"] = str(config["SPARQL_MAX_ROWS"])
    response.vary.add("Accept")
    return response


def _dataset() -> QueryDataset | None:
    """The RDF dataset the request names, from the URL (GET) and the form (POST)."""
    defaults = request.args.getlist("default-graph-uri") + request.form.getlist("default-graph-uri")
    named = request.args.getlist("named-graph-uri") + request.form.getlist("named-graph-uri")
    if not defaults and not named:
        return None
    return QueryDataset(tuple(defaults), tuple(named))


def _query_text() -> tuple[str | None, Response | None]:
    """The query of a protocol request; (None, None) asks for the form."""
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == UPDATE_TYPE or "update" in request.form:
            return None, problem(403, "read-only", "this endpoint does not accept updates")
        if mimetype == QUERY_TYPE:
            text = request.get_data(as_text=True)
        elif mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            if len(request.form.getlist("query")) > 1:
                return None, _two_queries()
            text = request.form.get("query", "")
        else:
            return None, problem(415, "unsupported-media-type", f"cannot read a {mimetype} body")
    else:
        if "update" in request.args:
            return None, problem(403, "read-only", "this endpoint does not accept updates")
        if "query" not in request.args:
            return None, None
        if len(request.args.getlist("query")) > 1:
            return None, _two_queries()
        text = request.args.get("query", "")
    if not text.strip():
        return None, problem(400, "empty-query", "the query is empty")
    if len(text) > MAX_QUERY_CHARS:
        return None, problem(
            400, "query-too-long", f"the query is over {MAX_QUERY_CHARS} characters"
        )
    return text, None


def _two_queries() -> Response:
    return problem(400, "multiple-queries", "the request carries more than one query parameter")


def _failure(failed: QueryFailed) -> Response:
    details = {
        "federated-query": _(
            "This endpoint answers from its own data only: SERVICE (federated queries) "
            "is not allowed."
        ),
        "busy": _("The SPARQL endpoint is busy. Please try again in a few seconds."),
        "queue-timeout": _(
            "The query waited for its turn until its time limit. Please try again later."
        ),
        "store-starting": _("The SPARQL store is starting. Please try again in a few seconds."),
        "too-many-queries": _(
            "You already have queries waiting or running. Please wait for them to finish."
        ),
    }
    response = problem(failed.status, failed.code, details.get(failed.code, str(failed)))
    if failed.retry_after is not None:
        response.headers["Retry-After"] = str(failed.retry_after)
    return response


def _acceptable() -> bool:
    """Whether a result format fits: ``format=``, no Accept header, or one it allows."""
    accept = request.accept_mimetypes
    if request.values.get("format", "").lower() in {*RESULT_TYPES, *GRAPH_TYPES}:
        return True
    offered = [*RESULT_TYPES.values(), *GRAPH_TYPES.values(), "application/json"]
    return not accept.provided or accept.best_match(offered) is not None


def _choose(types: dict[str, str], default: str) -> str:
    """``format=`` if given, else the Accept header's best, else ``default``."""
    asked = request.values.get("format", "").lower()
    if asked in types:
        return asked
    best = request.accept_mimetypes.best_match(list(types.values()), default=types[default])
    return next((k for k, v in types.items() if v == best), default)


PREFIXES = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "各部门发布的数据集数量",
        PREFIXES
        + """SELECT ?部门 (COUNT(?ds) AS ?数据集数) WHERE {
  ?ds a dcat:Dataset ; dct:publisher ?p .
  ?p foaf:name ?部门 . FILTER(lang(?部门) = "zh")
} GROUP BY ?部门 ORDER BY DESC(?数据集数) LIMIT 20""",
    ),
    (
        "十大类高价值数据各有多少数据集",
        PREFIXES
        + """PREFIX dcatap: <http://data.europa.eu/r5r/>
SELECT ?类别 (COUNT(DISTINCT ?ds) AS ?数据集数) WHERE {
  ?ds dcatap:hvdCategory ?c . ?c skos:inScheme ?s ; skos:prefLabel ?类别 .
  FILTER(lang(?类别) = "zh" && STRENDS(STR(?s), "/vocab/categories"))
} GROUP BY ?类别 ORDER BY DESC(?数据集数)""",
    ),
    (
        "标题含“气象”的数据集及其更新频率",
        PREFIXES
        + """SELECT ?ds ?标题 ?频率 WHERE {
  ?ds a dcat:Dataset ; dct:title ?标题 .
  OPTIONAL { ?ds dct:accrualPeriodicity ?频率 }
  FILTER(CONTAINS(?标题, "气象"))
} LIMIT 50""",
    ),
    (
        "提供 CSV 文件的数据集",
        PREFIXES
        + """SELECT DISTINCT ?ds ?标题 WHERE {
  ?ds dct:title ?标题 ; dcat:distribution/dct:format
      <http://publications.europa.eu/resource/authority/file-type/CSV> .
} LIMIT 50""",
    ),
)
