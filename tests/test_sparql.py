"""The SPARQL endpoint: protocol, result formats, limits, errors, and staying in step."""

from __future__ import annotations

import csv
import http.client
import http.server
import io
import json
import random
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, URIRef
from waitress.server import create_server

from catalog.services.datasets import (
    create_dataset,
    publish_dataset,
    update_dataset,
    withdraw_dataset,
)
from exports.sparql import CatalogStore, LocalBackend, WorkerBackend
from exports.sparql_federation import refuse_federation
from exports.sparql_gate import GateLimits, QueryGate
from exports.sparql_protocol import QueryFailed
from portal.commands import server_threads
from portal.params import client_address

COUNT = "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"
TITLES = """PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?d ?title WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; dct:title ?title }
ORDER BY ?title LIMIT 3"""
CONSTRUCT = """CONSTRUCT { ?c ?p ?o }
WHERE { ?c a <http://www.w3.org/ns/dcat#Catalog> ; ?p ?o } LIMIT 20"""


def _count(client) -> int:
    body = client.get("/sparql", query_string={"query": COUNT}).get_json(force=True)
    return int(body["results"]["bindings"][0]["n"]["value"])


def test_the_whole_catalog_is_queryable(demo_client, demo_app):
    services = demo_app.extensions["gxdata"]
    assert _count(demo_client) == services.search.count() == 1055


def test_get_and_both_post_forms(demo_client):
    get = demo_client.get("/sparql", query_string={"query": TITLES})
    assert get.status_code == 200 and get.mimetype == "application/sparql-results+json"
    assert get.headers["Access-Control-Allow-Origin"] == "*"
    rows = get.get_json(force=True)["results"]["bindings"]
    assert len(rows) == 3 and rows[0]["title"]["xml:lang"] == "zh"
    form = demo_client.post("/sparql", data={"query": TITLES})
    body = demo_client.post(
        "/sparql", data=TITLES.encode(), content_type="application/sparql-query"
    )
    assert form.get_json(force=True) == body.get_json(force=True) == get.get_json(force=True)


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_result_formats_by_accept(demo_client, accept, mimetype):
    response = demo_client.get(
        "/sparql", query_string={"query": TITLES}, headers={"Accept": accept}
    )
    assert response.mimetype == mimetype
    text = response.get_data(as_text=True)
    if mimetype.endswith("xml"):
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        assert len(ET.fromstring(text).findall(".//r:result", ns)) == 3
    elif mimetype == "text/csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["d", "title"] and len(rows) == 4
    else:
        lines = text.strip().split("\n")
        assert lines[0] == "?d\t?title" and lines[1].startswith("<http://gxdata.test/dataset/")


def test_format_parameter_ask_and_construct(demo_client):
    csv_text = demo_client.get("/sparql", query_string={"query": TITLES, "format": "csv"})
    assert csv_text.mimetype == "text/csv"
    ask = demo_client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert ask.get_json(force=True)["boolean"] is True
    construct = demo_client.get(
        "/sparql",
        query_string={"query": CONSTRUCT},
        headers={"Accept": "text/turtle"},
    )
    assert construct.mimetype == "text/turtle"
    assert len(Graph().parse(data=construct.get_data(as_text=True), format="turtle")) == 20


def test_vocabularies_are_in_the_store(demo_client):
    query = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT ?label WHERE { <http://gxdata.test/vocab/categories/meteorology> skos:prefLabel ?label
    FILTER(lang(?label) = "zh") }"""
    rows = demo_client.get("/sparql", query_string={"query": query}).get_json(force=True)
    assert rows["results"]["bindings"][0]["label"]["value"] == "气象"


def test_malformed_queries_and_updates_are_clear_4xx(demo_client):
    bad = demo_client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x"})
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert bad.get_json()["code"] == "malformed-query"
    update = demo_client.post("/sparql", data=b"DROP ALL", content_type="application/sparql-update")
    assert update.status_code == 403 and update.get_json()["code"] == "read-only"
    smuggled = demo_client.get("/sparql", query_string={"query": "DELETE WHERE { ?s ?p ?o }"})
    assert smuggled.status_code == 400
    assert _count(demo_client) == 1055
    assert demo_client.get("/sparql", query_string={"query": " "}).status_code == 400


def test_slow_queries_stop_at_the_time_limit(demo_app, demo_client):
    slow = """SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"""
    demo_app.config["SPARQL_TIMEOUT"] = 0.2
    try:
        response = demo_client.get("/sparql", query_string={"query": slow})
    finally:
        demo_app.config["SPARQL_TIMEOUT"] = 10.0
    assert response.status_code == 422
    assert response.get_json()["code"] == "query-timeout"


def test_results_stop_at_the_row_limit(demo_app, demo_client):
    demo_app.config["SPARQL_MAX_ROWS"] = 5
    try:
        response = demo_client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    finally:
        demo_app.config["SPARQL_MAX_ROWS"] = 10_000
    assert len(response.get_json(force=True)["results"]["bindings"]) == 5
    assert response.headers["X-SPARQL-MaxRows"] == "5"


def test_the_form_has_chinese_examples(demo_client):
    html = demo_client.get("/sparql").get_data(as_text=True)
    assert "SPARQL 查询" in html and "各部门发布的数据集数量" in html


def test_the_store_follows_the_database(app, client, session):
    assert _count(client) == 0
    dataset = create_dataset(session, title="同步测试数据集", department=None)
    session.commit()
    assert _count(client) == 0  # a draft is not public
    publish_dataset(session, dataset)
    session.commit()
    assert _count(client) == 1
    update_dataset(session, dataset, title="改名后的数据集")
    session.commit()
    query = "SELECT ?t WHERE { ?d <http://purl.org/dc/terms/title> ?t }"
    titles = [
        b["t"]["value"]
        for b in client.get("/sparql", query_string={"query": query}).get_json(force=True)[
            "results"
        ]["bindings"]
    ]
    assert "改名后的数据集" in titles and "同步测试数据集" not in titles
    withdraw_dataset(session, dataset)
    session.commit()
    assert _count(client) == 0


def test_rebuild_command(app, runner, session):
    publish_dataset(session, create_dataset(session, title="重建测试", department=None))
    session.commit()
    result = runner.invoke(args=["sparql", "rebuild"])
    assert result.exit_code == 0 and "loaded 1 public datasets" in result.output


# --- No federation: the endpoint never fetches a URL (issue 9, item 5) ---


class Recorder:
    """An HTTP server on 127.0.0.1 that answers every request with an empty SPARQL result
    and records it: a SERVICE call would be seen here."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.requests.append(f"{self.command} {self.path}")
                body = b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.close()


# Each calls SERVICE on pyoxigraph 0.5 (the glued forms too: it matches keywords without a
# word boundary) or would with its variable bound; {u} is the recorder's address.
FEDERATED = [
    "SELECT * WHERE { SERVICE <{u}/plain> { ?s ?p ?o } }",
    "select * where { service <{u}/lower> { ?s ?p ?o } }",
    "SELECT * WHERE { SeRvIcE <{u}/mixed> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <{u}/silent> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICESILENT<{u}/glued-silent> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE#a comment\n<{u}/comment> { ?s ?p ?o } }",
    "SELECT * WHERE { # SERVICE <{u}/in-comment> {}\nSERVICE <{u}/after-comment> {?s ?p ?o} }",
    "PREFIX ex: <{u}/> SELECT * WHERE { SERVICE ex:prefixed { ?s ?p ?o } }",
    "PREFIX : <{u}/> SELECT * WHERE { SERVICE:empty-prefix { ?s ?p ?o } }",
    "PREFIX ex: <{u}/> SELECT * WHERE { SERVICEex:glued-prefix { ?s ?p ?o } }",
    "BASE <{u}/> SELECT * WHERE { SERVICE <relative> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE <{u}/\\u0065scaped-iri> { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?x { <{u}/variable> } SERVICE ?x { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<{u}/dollar> AS $x) SERVICE $x { ?s ?p ?o } }",
    "SELECT * WHERE { ?a ?b ?c OPTIONAL { SERVICE <{u}/optional> { ?s ?p ?o } } }",
    "SELECT * WHERE { FILTER EXISTS { SERVICE <{u}/exists> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT * WHERE { SERVICE <{u}/subquery> { ?s ?p ?o } } } }",
    "ASK { SERVICE <{u}/ask> { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{u}/construct> { ?s ?p ?o } }",
    "DESCRIBE ?s WHERE { SERVICE <{u}/describe> { ?s ?p ?o } }",
    'SELECT * WHERE { BIND("SERVICE" AS ?x) SERVICE <{u}/after-string> { ?s ?p ?o } }',
    "PREFIX ex: <http://x/> SELECT * WHERE { ?a ex:q\\' ?b . SERVICE <{u}/pname-quote> "
    "{ ?s ?p ?o } ?a ex:q\\' ?b }",
    "SELECT * WHERE { ?s ?p 1SERVICE<{u}/after-number> { ?a ?b ?c } }",
    "SELECT * WHERE { ?s ?p trueSERVICE<{u}/after-true> { ?a ?b ?c } }",
    'SELECT * WHERE { ?s ?p "x"@en SERVICE<{u}/after-langtag> { ?a ?b ?c } }',
    "SELECT * WHERE { VALUES ?x { UNDEF }SERVICE<{u}/after-brace> { ?a ?b ?c } }",
    "SELECT * WHERE { ?a ?b ?c FILTER(?a<?b) SERVICE <{u}/after-less-than> { ?s ?p ?o } }",
    "SELECT * WHERE { ?a ?b ?c FILTER(?a<1&&?b>2) SERVICE <{u}/operators> { ?s ?p ?o } }",
]
# Never fetched either way: updates are not queries.
NOT_QUERIES = ["LOAD <{u}/load>", "LOAD <{u}/x> INTO GRAPH <http://g>", "INSERT DATA {<a> <b> 1}"]
# They mention the word, or a URL as a graph of the store, and stay allowed.
LOCAL = [
    "PREFIX dcat: <http://www.w3.org/ns/dcat#> SELECT ?service { ?service a dcat:DataService }",
    "SELECT * WHERE { ?s a <http://www.w3.org/ns/dcat#DataService> }",
    'SELECT * WHERE { ?s ?p "service" } # SERVICE <{u}/comment>',
    "SELECT * WHERE { ?s ?p 'SERVICE <{u}/string> {}' }",
    'SELECT * WHERE { ?s ?p """a\nSERVICE <{u}/long> {}""" }',
    'SELECT * WHERE { ?s ?p "x"@service }',
    "SELECT * FROM <{u}/from> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <{u}/named> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "PREFIX dcat: <http://www.w3.org/ns/dcat#> SELECT * WHERE { ?s dcat:servesDataset ?d }",
]


def _fill(template: str, url: str) -> str:
    return template.replace("{u}", url)


@pytest.mark.parametrize("template", FEDERATED)
def test_the_guard_refuses_every_spelling_of_service(template):
    with pytest.raises(QueryFailed) as refused:
        refuse_federation(_fill(template, "http://127.0.0.1:9"))
    assert refused.value.code == "federated-query" and refused.value.status == 400


@pytest.mark.parametrize("template", LOCAL + NOT_QUERIES)
def test_the_guard_lets_local_queries_through(template):
    refuse_federation(_fill(template, "http://127.0.0.1:9"))


@pytest.mark.parametrize(
    "hostile", ['"\\' * 10_000, "'\\" * 10_000, "<a" * 10_000, "'''" + "a'" * 6_000, "{" * 20_000]
)
def test_the_guard_is_linear_on_hostile_text(hostile):
    started = time.perf_counter()
    try:
        refuse_federation(hostile)
    except QueryFailed as failed:
        assert failed.code == "malformed-query"
    assert time.perf_counter() - started < 2  # linear: milliseconds; quadratic: minutes


MUTATIONS = [" ", "\n", "#x\n", ":", "ex:a", "\\#", "\\'", "'x'", '"x"', "<x>", "?x", "$x", "1"]
MUTATIONS += ["true", "@en", "'''a'''", "{}", ".", ";", "()", "\\u0053", "_:b", " a ", "\t"]
MUTATIONS += ["SILENT", "#", "<", ">", "!", "^", "|", "/", "*", "+", "x", "_", "-", "%41", "\\"]


def test_the_guard_refuses_whatever_pyoxigraph_would_send(recorder):
    """Differential: the federated queries with a piece or two inserted near the keyword,
    evaluated by pyoxigraph itself against the recorder; each one that reached it must be
    one the guard refuses."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.Literal("c")))
    chance = random.Random(11)
    sent = 0
    for _ in range(1500):
        query = _fill(chance.choice(FEDERATED), recorder.url)
        at = query.lower().index("service")
        for _ in range(chance.randint(1, 2)):
            k = max(0, at + chance.randint(-4, 12))
            query = query[:k] + chance.choice(MUTATIONS) + query[k:]
        before = len(recorder.requests)
        try:
            answer = store.query(query, use_default_graph_as_union=True)
            if not isinstance(answer, ox.QueryBoolean):
                list(answer)
        except (SyntaxError, OSError, RuntimeError):
            pass
        if len(recorder.requests) > before:
            sent += 1
            with pytest.raises(QueryFailed):
                refuse_federation(query)
    assert sent > 50  # the mutants do call the service


def test_the_endpoint_fetches_nothing(client, recorder):
    """Every spelling is refused with 400 problem JSON before evaluation: the server on
    127.0.0.1 is never contacted."""
    for template in FEDERATED:
        response = client.get("/sparql", query_string={"query": _fill(template, recorder.url)})
        assert response.status_code == 400, template
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["code"] == "federated-query"
    for template in NOT_QUERIES:
        response = client.get("/sparql", query_string={"query": _fill(template, recorder.url)})
        assert response.status_code == 400
    for template in LOCAL:
        response = client.get("/sparql", query_string={"query": _fill(template, recorder.url)})
        assert response.status_code == 200, template
    assert recorder.requests == []


def test_the_refusal_speaks_the_users_language(client):
    query = {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}
    chinese = client.get("/sparql", query_string=query).get_json()
    english = client.get("/sparql", query_string={**query, "lang": "en"}).get_json()
    assert "不允许使用 SERVICE" in chinese["detail"]
    assert "SERVICE (federated queries) is not allowed" in english["detail"]


def test_an_in_memory_store_fetches_nothing(recorder):
    store = CatalogStore(None, "http://gxdata.test")
    with pytest.raises(QueryFailed):
        store.query(_fill(FEDERATED[0], recorder.url), 2.0, 10, "json", "ttl")
    assert recorder.requests == []


def test_the_worker_is_off_the_network(services, recorder):
    """Past the guard (the worker called directly), SERVICE still reaches nothing."""
    backend = services.sparql.backend
    assert len(services.sparql) == 0  # starts the worker
    if not backend.isolated:
        pytest.skip("this kernel refuses network namespaces to this user")
    query = _fill(FEDERATED[0], recorder.url)
    with pytest.raises((QueryFailed, RuntimeError)):
        backend.call("query", query, 10, 2.0, "json", "ttl", timeout=2.0)
    assert recorder.requests == []


# --- Bounded queries: pages keep their threads (issue 9, item 7) ---


def _hold(gate: QueryGate, client: str, entered: threading.Event, release: threading.Event) -> str:
    """Enter ``gate`` and stay until ``release``; what happened."""
    try:
        with gate.admitted(client, time.monotonic() + 5.0, retry_after=5.0):
            entered.set()
            release.wait(5)
        return "ran"
    except QueryFailed as failed:
        return failed.code


def _until(condition, seconds: float = 3.0) -> None:
    stop = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < stop
        time.sleep(0.01)


def test_the_gate_queues_then_refuses_at_once():
    gate = QueryGate(GateLimits(running=1, queue=1, per_client=2))
    release = threading.Event()
    with ThreadPoolExecutor(2) as pool:
        held = [pool.submit(_hold, gate, c, threading.Event(), release) for c in "ab"]
        _until(lambda: gate.state() == (1, 1))
        started = time.monotonic()
        with pytest.raises(QueryFailed) as busy:
            with gate.admitted("c", time.monotonic() + 5.0, retry_after=5.0):
                pass
        assert time.monotonic() - started < 3  # at once, not after the 5 s deadline
        assert (busy.value.status, busy.value.code, busy.value.retry_after) == (503, "busy", 5)
        release.set()
        assert [h.result(5) for h in held] == ["ran", "ran"]
    assert gate.state() == (0, 0)


def test_the_gate_limits_each_client():
    gate = QueryGate(GateLimits(running=1, queue=4, per_client=2))
    release = threading.Event()
    with ThreadPoolExecutor(2) as pool:
        held = [pool.submit(_hold, gate, "a", threading.Event(), release) for _ in range(2)]
        _until(lambda: gate.state() == (1, 1))
        with pytest.raises(QueryFailed) as limited:
            with gate.admitted("a", time.monotonic() + 5.0, retry_after=2.5):
                pass
        assert (limited.value.status, limited.value.retry_after) == (429, 3)
        assert limited.value.code == "too-many-queries"
        release.set()
        assert [h.result(5) for h in held] == ["ran", "ran"]
    assert gate.state() == (0, 0)


def test_time_in_the_queue_counts_against_the_limit():
    """A query whose time limit passes while it waits is answered 503 and never runs."""
    gate = QueryGate(GateLimits(running=1, queue=4, per_client=2))
    release, entered = threading.Event(), threading.Event()
    with ThreadPoolExecutor(1) as pool:
        holder = pool.submit(_hold, gate, "a", entered, release)
        assert entered.wait(3)
        ran = []
        started = time.monotonic()
        with pytest.raises(QueryFailed) as waited:
            with gate.admitted("b", time.monotonic() + 0.3, retry_after=0.3):
                ran.append(True)
        assert 0.25 < time.monotonic() - started < 5  # the holder is released only after
        assert (waited.value.status, waited.value.code, ran) == (503, "queue-timeout", [])
        release.set()
        assert holder.result(5) == "ran"
    assert gate.state() == (0, 0)


def test_an_in_memory_store_starts_nothing_while_earlier_queries_still_run():
    """pyoxigraph goes on evaluating a query past its limit; while MAX_RUNNING of those
    do, new queries are answered 503 at once instead of starting more."""
    store = CatalogStore(None, "http://gxdata.test")
    assert isinstance(store.backend, LocalBackend)
    triples = "".join(f'<http://a/{i}> <http://p> "{i}" .\n' for i in range(50))
    store.backend.store.load(input=triples, format=ox.RdfFormat.N_TRIPLES)
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    for _ in range(LocalBackend.MAX_RUNNING):
        with pytest.raises(QueryFailed) as late:
            store.query(heavy, 0.05, 10, "json", "ttl")
        assert late.value.code == "query-timeout"
    started = time.monotonic()
    with pytest.raises(QueryFailed) as busy:
        store.query("ASK { ?s ?p ?o }", 5.0, 10, "json", "ttl")
    assert (busy.value.status, busy.value.code, busy.value.retry_after) == (503, "busy", 5)
    assert time.monotonic() - started < 3  # at once, not after the 5 s limit


def test_the_client_is_the_connection_unless_proxies_are_trusted(app):
    headers = {"X-Forwarded-For": "203.0.113.9, 198.51.100.7"}
    with app.test_request_context(headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}):
        assert client_address(0) == "10.0.0.1"
        assert client_address(1) == "198.51.100.7"
        assert client_address(2) == "203.0.113.9"
        assert client_address(3) == "10.0.0.1"  # fewer hops than proxies: not believed


def test_pages_always_keep_server_threads(app):
    assert server_threads(app) >= app.extensions["gxdata"].sparql.gate.capacity + 3


@contextmanager
def waitress_serving(app) -> Iterator[int]:
    """``app`` served as ``gxdata serve`` serves it (waitress, its thread count) on
    127.0.0.1; yields the port."""
    server = create_server(app, host="127.0.0.1", port=0, threads=server_threads(app))
    threading.Thread(target=server.run, daemon=True).start()
    try:
        yield server.effective_port
    finally:
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
        server.close()


def _fetch(port: int, path: str, source: str = "127.0.0.1") -> tuple[int, dict, float]:
    """GET ``path`` from the local address ``source``: status (0: no answer in 10 s),
    headers and seconds."""
    connection = http.client.HTTPConnection("127.0.0.1", port, 10, source_address=(source, 0))
    started = time.monotonic()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        headers = dict(response.getheaders())
        if response.getheader("Content-Type", "").startswith("application/problem+json"):
            headers["code"] = json.loads(body)["code"]
        return response.status, headers, time.monotonic() - started
    except OSError:
        return 0, {}, time.monotonic() - started
    finally:
        connection.close()


HEAVY = "/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")


def test_heavy_queries_leave_the_pages_their_threads(demo_app):
    """16 clients and one greedy client send triple cross products over real HTTP while a
    visitor opens pages: the pages answer within seconds, the surplus is refused at once
    (503 or 429 with Retry-After), and the time limit counts from arrival."""
    gate = demo_app.extensions["gxdata"].sparql.gate
    demo_app.config["SPARQL_TIMEOUT"] = 4.0
    try:
        with waitress_serving(demo_app) as port, ThreadPoolExecutor(24) as pool:
            greedy = [pool.submit(_fetch, port, HEAVY, "127.0.0.2")]
            _until(lambda: gate.state() == (1, 0), 10)
            greedy.append(pool.submit(_fetch, port, HEAVY, "127.0.0.2"))
            _until(lambda: gate.state() == (1, 1), 10)
            status, headers, seconds = _fetch(port, HEAVY, "127.0.0.2")
            assert (status, headers.get("code")) == (429, "too-many-queries")
            assert int(headers["Retry-After"]) >= 1 and seconds < 3
            burst = [pool.submit(_fetch, port, HEAVY, f"127.0.0.{3 + i}") for i in range(14)]
            pages = []
            while not all(f.done() for f in greedy + burst):
                for path in ("/dataset?q=" + quote("气象"), "/api/v1/datasets?limit=5"):
                    pages.append(_fetch(port, path))
                time.sleep(0.2)
            answers = [f.result() for f in burst]
    finally:
        demo_app.config["SPARQL_TIMEOUT"] = 10.0
    assert len(pages) >= 4 and {status for status, _, _ in pages} == {200}
    assert max(seconds for _, _, seconds in pages) < 10  # before: no answer in 40 s
    busy = [a for a in answers if a[1].get("code") == "busy"]
    assert len(busy) == 14 - 3  # one running and four waiting were admitted
    assert all(s == 503 and int(h["Retry-After"]) >= 1 and t < 3 for s, h, t in busy)
    assert greedy[0].result()[:1] == (422,)  # the one that ran, stopped at its limit
    admitted = [greedy[1].result()] + [a for a in answers if a not in busy]
    outcomes = [
        (status, headers.get("code"), round(seconds, 2)) for status, headers, seconds in admitted
    ]
    print("OUTCOMES", outcomes, greedy[0].result()[2], max(s for _, _, s in pages))
    assert all(status in (422, 503) and seconds < 4.0 + 3 for status, _, seconds in outcomes), (
        outcomes
    )


def test_a_starting_worker_counts_against_the_querys_limit(tmp_path):
    """A query that finds the worker stopped waits for its successor only within its own
    limit: 503 store-starting (before: the whole start, then 422, past the limit); the
    worker it left starting serves the next query. A query past its limit leaves a
    successor starting."""
    backend = WorkerBackend(str(tmp_path / "store"))
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    try:
        with pytest.raises(QueryFailed) as starting:
            backend.call("query", count, 10, 0.0, "json", "ttl", timeout=0.001)
        assert (starting.value.code, starting.value.status) == ("store-starting", 503)
        assert starting.value.retry_after >= 1
        answer = backend.call("query", count, 10, 30.0, "json", "ttl", timeout=30.0)
        assert answer is not None
        heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        backend.call("load", "".join(f"<urn:s{i}> <urn:p> <urn:o> <urn:g> .\n" for i in range(400)))
        with pytest.raises(QueryFailed) as overrun:
            backend.call("query", heavy, 10, 0.5, "json", "ttl", timeout=0.5)
        assert overrun.value.code == "query-timeout"
        assert backend._starting is not None  # its successor, already starting
    finally:
        backend.close()
    assert backend._starting is None and backend._process is None


# -- issue 10: JSON-LD graphs, the service description, the protocol's dataset, CORS ----------


DESCRIBE_ONE = """DESCRIBE ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> } LIMIT 1"""


@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE_ONE], ids=["construct", "describe"])
def test_graph_results_in_json_ld(demo_client, query):
    by_accept = demo_client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/ld+json"}
    )
    by_format = demo_client.get("/sparql", query_string={"query": query, "format": "jsonld"})
    for response in (by_accept, by_format):
        assert response.status_code == 200 and response.mimetype == "application/ld+json"
        graph = Graph().parse(data=response.get_data(as_text=True), format="json-ld")
        assert len(graph) > 0


SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.mark.parametrize(
    "accept, syntax",
    [("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")],
)
def test_a_get_without_a_query_describes_the_service(demo_client, accept, syntax):
    response = demo_client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    graph = Graph().parse(data=response.get_data(as_text=True), format=syntax)
    endpoint = URIRef("http://gxdata.test/sparql")
    assert (endpoint, RDF.type, URIRef(SD + "Service")) in graph
    assert graph.value(endpoint, URIRef(SD + "endpoint")) == endpoint
    assert (endpoint, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in graph
    assert graph.value(endpoint, URIRef(SD + "defaultDataset")) is not None
    formats = set(graph.objects(endpoint, URIRef(SD + "resultFormat")))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert demo_client.get("/sparql").mimetype == "text/html"


def _count_in(client, **dataset) -> int:
    query = {"query": COUNT, **dataset}
    body = client.get("/sparql", query_string=query).get_json(force=True)
    return int(body["results"]["bindings"][0]["n"]["value"])


def test_default_graph_uri_names_the_querys_dataset(demo_client, demo_app):
    unknown = {"default-graph-uri": "http://gxdata.test/no-such-graph"}
    assert _count_in(demo_client, **unknown) == 0
    posted = demo_client.post("/sparql", data={"query": COUNT, **unknown})
    assert int(posted.get_json(force=True)["results"]["bindings"][0]["n"]["value"]) == 0
    first = _first_dataset(demo_client)
    assert _count_in(demo_client, **{"default-graph-uri": first}) == 1
    named = {"named-graph-uri": first}  # a named graph only: the default graph is empty
    assert _count_in(demo_client, **named) == 0
    in_graph = """SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { GRAPH ?g {
        ?d a <http://www.w3.org/ns/dcat#Dataset> } }"""
    body = demo_client.get("/sparql", query_string={"query": in_graph, **named}).get_json(
        force=True
    )
    assert body["results"]["bindings"][0]["n"]["value"] == "1"
    assert _count(demo_client) == 1055  # without them: the union of every graph


def _first_dataset(client) -> str:
    body = client.get("/sparql", query_string={"query": TITLES}).get_json(force=True)
    return body["results"]["bindings"][0]["d"]["value"]


def test_two_query_parameters_are_a_400(demo_client):
    twice = demo_client.get(f"/sparql?query={quote(COUNT)}&query={quote(TITLES)}")
    assert twice.status_code == 400 and twice.get_json(force=True)["type"].endswith(
        "multiple-queries"
    )
    posted = demo_client.post("/sparql", data={"query": [COUNT, TITLES]})
    assert posted.status_code == 400


def test_a_cors_preflight_is_answered(demo_client):
    response = demo_client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()
    error = demo_client.get("/sparql", query_string={"query": "SELEKT"})
    assert error.status_code == 400 and error.headers["Access-Control-Allow-Origin"] == "*"


def test_a_query_with_no_fitting_result_format_is_a_406(demo_client):
    refused = demo_client.get(
        "/sparql", query_string={"query": COUNT}, headers={"Accept": "image/png"}
    )
    assert (
        refused.status_code == 406
        and "application/ld+json" in refused.get_json(force=True)["detail"]
    )
    for accept in ("*/*", "application/json", "text/html,*/*;q=0.8"):
        fine = demo_client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": accept})
        assert fine.status_code == 200, accept
    by_format = demo_client.get(
        "/sparql", query_string={"query": COUNT, "format": "csv"}, headers={"Accept": "image/png"}
    )
    assert by_format.status_code == 200


def test_a_store_held_by_another_process_answers_503_not_500(tmp_path):
    """The worker cannot open a store another process holds (``gxdata sparql rebuild`` or a
    harvest that took it while the server's worker restarted): a query is told to retry."""
    path = str(tmp_path / "sparql")
    store = CatalogStore(path, "http://gxdata.test")
    holder = ox.Store(path)  # this process holds the RocksDB lock; the worker is another
    try:
        with pytest.raises(QueryFailed) as busy:
            store.query("ASK { ?s ?p ?o }", 30.0, 10, "json", "ttl")
        assert (busy.value.status, busy.value.code) == (503, "busy")
        assert busy.value.retry_after is not None and busy.value.retry_after >= 1
    finally:
        store.close()
        del holder
