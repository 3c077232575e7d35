"""Fuzzing the APIs: schemathesis over ``/api/v1/openapi.json`` and hypothesis over every CKAN
action, through the WSGI app (nothing leaves the process). No input may give a 5xx.

The budget is bounded (``max_examples`` per operation and mode) so that the file runs in well
under 90 s on a small machine; each test prints how many cases it ran.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from urllib.parse import quote, urlencode

import pytest
import schemathesis
from factories import full_dataset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from catalog.indexing import rebuild_index
from portal.api.ckan import ACTIONS

REST_EXAMPLES = 150  # per operation and generation mode
CKAN_EXAMPLES = 80  # per action and way of sending parameters
FUZZ = settings(
    max_examples=REST_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,  # the same cases each run: a failure in CI reproduces locally
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def catalog_app(app, services):
    with services.session_factory() as session:
        with session.begin():
            full_dataset(session)
        rebuild_index(session, services.search)
    return app


def _fails(check, case, response) -> bool:
    try:
        case.validate_response(response, checks=[check])
    except (AssertionError, FailureGroup):
        return True
    return False


def _fuzz_operation(operation, mode, statuses, server_errors, nonconforming) -> None:
    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        # the WSGI transport does not decompress: ask for the body as it is
        response = case.call(headers={"Accept-Encoding": "identity"})
        statuses[response.status_code] += 1
        if _fails(not_a_server_error, case, response):
            server_errors.append(case.as_curl_command())
        elif mode is GenerationMode.POSITIVE and _fails(
            response_schema_conformance, case, response
        ):
            nonconforming.append(case.as_curl_command())

    try:
        run()
    except Unsatisfiable:  # no parameter to break: no negative case
        assert mode is GenerationMode.NEGATIVE


def test_rest_api_never_answers_5xx(catalog_app, capsys):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", catalog_app)
    statuses: Counter[int] = Counter()
    server_errors: list[str] = []
    nonconforming: list[str] = []
    for result in schema.get_all_operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz_operation(result.ok(), mode, statuses, server_errors, nonconforming)
    with capsys.disabled():
        print(f"\nREST: {statuses.total()} cases, {len(server_errors)} 5xx, {dict(statuses)}")
    assert server_errors == [], server_errors[:5]
    assert nonconforming == [], nonconforming[:5]


# -- CKAN ----------------------------------------------------------------------------------

PARAMETERS = (
    "id", "name", "q", "fq", "sort", "rows", "start", "limit", "offset", "page", "query",
    "all_fields", "include_datasets", "include_dataset_count", "facet.field", "facet.limit",
    "callback",
)  # fmt: skip
EDGES = (
    "", " ", "0", "-1", "1e9", "\x00", "\ud800", "[]", "²", "٣", "99999999999999999999",
    "2147483648", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "name desc",
)  # fmt: skip
TEXT = st.text(max_size=30) | st.sampled_from(EDGES)
VALUES = TEXT | st.lists(TEXT, max_size=3)
QUERY = st.dictionaries(st.sampled_from(PARAMETERS) | st.text(max_size=8), VALUES, max_size=5)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(PARAMETERS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
NAMES = sorted(ACTIONS) + ["package_create", "no_such_action"]
CKAN = settings(FUZZ, max_examples=CKAN_EXAMPLES)


def _encoded(query: dict[str, str | list[str]]) -> str:
    """A query string with any text a client could send, lone surrogates as their bytes."""
    pairs = [(k, v) for k, vs in query.items() for v in ([vs] if isinstance(vs, str) else vs)]
    return urlencode(
        [(k.encode("utf-8", "surrogatepass"), v.encode("utf-8", "surrogatepass")) for k, v in pairs]
    )


def _fuzz_action(client, url: str, record) -> None:
    @CKAN
    @given(query=QUERY)
    def get(query) -> None:
        record(client.get(url, query_string=_encoded(query)), f"GET {url} {query!r}")

    @CKAN
    @given(body=JSON)
    def post(body) -> None:
        data = json.dumps(body)  # lone surrogates survive as \\ud800 escapes
        record(client.post(url, data=data, content_type="application/json"), f"POST {url} {data}")

    get()
    post()


def test_ckan_actions_never_answer_5xx(catalog_app, capsys):
    client = catalog_app.test_client()
    statuses: Counter[int] = Counter()
    server_errors: list[str] = []

    def record(response, what: str) -> None:
        statuses[response.status_code] += 1
        body = response.get_json(silent=True)
        if response.status_code >= 500 or not isinstance(body, dict) or "success" not in body:
            server_errors.append(f"{response.status_code} {what}")

    for name in NAMES:
        _fuzz_action(client, f"/api/3/action/{name}", record)
    with capsys.disabled():
        print(f"\nCKAN: {statuses.total()} cases, {len(server_errors)} 5xx, {dict(statuses)}")
    assert server_errors == [], server_errors[:5]


# -- REST by hand: the documented parameters with the edge values schemathesis rarely makes --

REST_BY_HAND = settings(FUZZ, max_examples=CKAN_EXAMPLES)


def _fuzz_path(client, template: str, names: list[str], record) -> None:
    @REST_BY_HAND
    @given(segment=TEXT, query=st.dictionaries(st.sampled_from(names), VALUES, max_size=4))
    def get(segment, query) -> None:
        part = quote(segment.encode("utf-8", "surrogatepass"), safe="") or "x"
        url = re.sub(r"\{[^}]+\}", part, template)
        record(client.get(url, query_string=_encoded(query)), f"GET {url} {query!r}")

    get()


def test_rest_parameters_with_edge_values_never_answer_5xx(catalog_app, capsys):
    client = catalog_app.test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    statuses: Counter[int] = Counter()
    server_errors: list[str] = []

    def record(response, what: str) -> None:
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            server_errors.append(f"{response.status_code} {what}")

    for path, item in spec["paths"].items():
        if "get" not in item:  # writes answer 401 before reading a parameter: fuzzed above
            continue
        names = [p["name"] for p in item["get"].get("parameters", []) if p["in"] == "query"]
        _fuzz_path(client, "/api/v1" + path, names or ["q"], record)
    with capsys.disabled():
        print(f"\nREST by hand: {statuses.total()} cases, {len(server_errors)} 5xx")
    assert server_errors == [], server_errors[:5]
