"""Quarterly statistics: figures on a fixture with known counts, the snapshot that freezes an
ended quarter, the batched hit counters, the downloads of the page and the CLI, and the RDF
Data Cube against the W3C integrity constraints IC-1 to IC-21."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from datetime import date, datetime

import pyoxigraph
import pytest
from sqlalchemy import func, inspect, select

from catalog.accounts import users
from catalog.applications.models import Application, ApplicationEvent
from catalog.datarequests.models import DataRequest, DataRequestEvent
from catalog.db import utcnow
from catalog.errors import InvalidValue
from catalog.feedback.models import ProblemReport
from catalog.models import Dataset, Distribution
from catalog.quality.models import QualitySnapshot
from catalog.reuses.models import APPROVED, Reuse, ReuseDataset
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.departments import create_department
from catalog.services.distributions import attach_distribution
from catalog.stats import measures as registry
from catalog.stats.counters import HitCounter, RedisHitCounter
from catalog.stats.models import API_CALL, DOWNLOAD, PAGE_VIEW, StatsCounter, StatsSnapshot
from catalog.stats.quarterly import Options, quarterly_figures
from catalog.stats.quarters import beijing_day
from exports.datacube import to_turtle

NOW = datetime(2026, 12, 4, 2, 0)  # 2026Q4 is the current quarter
HIT_DAY = datetime(2026, 8, 1, 4, 0)  # in 2026Q3
BASE = "http://gxdata.test"


def _dataset(session, department, title, issued, rows=0):
    dataset = create_dataset(
        session, title=title, department=department, issued=issued, open_type="unconditional",
        record_count=rows,
    )  # fmt: skip
    attach_distribution(
        session, dataset, title=f"{title}.csv", download_url=f"https://x.example/{title}.csv",
        issued=issued,
    )  # fmt: skip
    publish_dataset(session, dataset)
    return dataset


def _application(session, user, dataset, n, events, state, limit=None, decided=None):
    application = Application(
        reference=f"GX-{n}", user_id=user.id, dataset_id=dataset.id, state=state,
        limit_day=limit, decided_at=decided,
    )  # fmt: skip
    session.add(application)
    session.flush()
    for seq, (event, source, target, at) in enumerate(events):
        session.add(ApplicationEvent(application_id=application.id, seq=seq, event=event,
                                     from_state=source, to_state=target, actor="x",
                                     role="applicant", at=at))  # fmt: skip


def _features(session, user, dataset, roads):
    """Q3: two reuses approved (one withdrawn since) and one pending; two problem reports,
    one fixed in time and one overdue; a data request routed to 交通局 and answered."""
    for n, state, decided in ((1, APPROVED, datetime(2026, 8, 10)), (2, "withdrawn", None),
                              (3, "pending", None)):  # fmt: skip
        reuse = Reuse(slug=f"r{n}", kind="application", title=f"应用{n}", team="队",
                      owner_id=user.id, state=state, decided_at=decided)  # fmt: skip
        reuse.uses.append(ReuseDataset(dataset_id=dataset.id))
        session.add(reuse)
    common = {"dataset_id": dataset.id, "department_id": dataset.department_id,
              "kind": "wrong-values", "description": "x", "token_hash": "0" * 64}  # fmt: skip
    session.add(ProblemReport(reference="F-1", received_at=datetime(2026, 8, 3),
                              limit_day=date(2026, 8, 10), answered_at=datetime(2026, 8, 6),
                              answered_in_time=True, fixed_at=datetime(2026, 8, 6),
                              state="corrected", **common))  # fmt: skip
    session.add(ProblemReport(reference="F-2", received_at=datetime(2026, 9, 1),
                              limit_day=date(2026, 9, 8), **common))  # fmt: skip
    request = DataRequest(title="公交线路", user_id=user.id, state="answered",
                          department_id=roads.id, created_at=datetime(2026, 7, 1))  # fmt: skip
    session.add(request)
    session.flush()
    for seq, (event, at) in enumerate((("route", datetime(2026, 7, 2)),
                                       ("answer", datetime(2026, 7, 9)))):  # fmt: skip
        session.add(DataRequestEvent(request_id=request.id, seq=seq, event=event, actor="x",
                                     role="admin", department_id=roads.id, at=at))  # fmt: skip


@pytest.fixture
def world(app, session):
    """统计局 (Nanning): two datasets in 2026Q1, one in Q2; 交通局 (Liuzhou): one in Q3;
    four applications made in Q3 (one approved, one rejected, one overdue, one whose
    limit falls in Q4)."""
    with session.begin():
        stats = create_department(session, "南宁市统计局", division="450100")
        roads = create_department(session, "柳州市交通局", division="450200")
        stats.slug, roads.slug = "nn-stats", "lz-roads"
        first = _dataset(session, stats, "人口", datetime(2026, 2, 10), rows=100)
        _dataset(session, stats, "收入", datetime(2026, 3, 1), rows=20)
        _dataset(session, stats, "物价", datetime(2026, 5, 5), rows=3)
        _dataset(session, roads, "公路", datetime(2026, 8, 1), rows=7)
        user, _ = users.create_staff_user(session, email="a@example.org", password="Pass-2026-x!")
        submit = ("submit", "draft", "submitted")
        _application(session, user, first, 1, [(*submit, datetime(2026, 7, 10)),
                     ("approve", "under_review", "approved", datetime(2026, 7, 20))],
                     "approved", decided=datetime(2026, 7, 20))  # fmt: skip
        _application(session, user, first, 2, [(*submit, datetime(2026, 8, 1)),
                     ("reject", "under_review", "rejected", datetime(2026, 8, 5))],
                     "rejected", decided=datetime(2026, 8, 5))  # fmt: skip
        _application(session, user, first, 3, [(*submit, datetime(2026, 9, 1))],
                     "under_review", limit=date(2026, 9, 15))  # fmt: skip
        _application(
            session,
            user,
            first,
            4,
            [(*submit, datetime(2026, 9, 29))],
            "submitted",
            limit=date(2026, 10, 14),
        )  # overdue in Q4, not Q3
        _features(session, user, first, roads)
        distribution_id = first.distributions[0].id
        slug = first.slug
    counter = HitCounter(app.extensions["gxdata"].session_factory, flush_hits=10_000,
                         now=lambda: HIT_DAY)  # fmt: skip
    for _ in range(3):
        counter.hit(DOWNLOAD, distribution_id)
    for _ in range(2):
        counter.hit(PAGE_VIEW, slug)
    counter.flush()
    return {"distribution": distribution_id, "slug": slug, "stats": stats.id}


def _row(figures, key):
    return next(r for r in figures["rows"] if r["key"] == key)["values"]


def _figures(session, code, **options):
    with session.begin():
        return quarterly_figures(session, code, Options(now=NOW, **options))


def test_figures_of_each_quarter_from_known_counts(world, session):
    q1, q2, q3 = (_figures(session, f"2026Q{n}") for n in (1, 2, 3))
    assert _row(q1, "nn-stats")["datasets"] == 2 and _row(q1, "nn-stats")["records"] == 120
    assert not any(r["key"] == "lz-roads" for r in q1["rows"])
    assert _row(q2, "nn-stats")["datasets"] == 3 and _row(q2, "nn-stats")["files"] == 3
    stats, roads, platform = _row(q3, "nn-stats"), _row(q3, "lz-roads"), _row(q3, "")
    assert (roads["datasets"], roads["records"], platform["datasets"]) == (1, 7, 4)
    assert _row(q3, "450100")["datasets"] == 3 and _row(q3, "450200")["datasets"] == 1
    assert (stats["downloads"], stats["page_views"], roads["downloads"]) == (3, 2, 0)
    applications = ("made", "approved", "rejected", "overdue")
    assert [stats[f"applications_{name}"] for name in applications] == [4, 1, 1, 1]
    assert _row(q2, "nn-stats")["downloads"] == 0
    assert stats["machine_readable_ratio"] == 1.0  # every dataset has a CSV
    assert q3["status"] == "final" and q3["quarter"] == "2026Q3"
    assert (stats["reuses"], roads["reuses"]) == (1, 0)  # approved only, in the quarter
    problems = ("received", "fixed", "overdue")
    assert [stats[f"problems_{name}"] for name in problems] == [2, 1, 1]
    assert (roads["data_requests"], roads["data_requests_answered"]) == (1, 1)
    assert stats["data_requests"] == 0 and platform["problems_received"] == 2
    assert _row(q2, "nn-stats")["reuses"] == 0


def test_the_current_quarter_is_live_and_has_the_quality_index(world, session):
    q4 = _figures(session, "2026Q4")
    assert q4["status"] == "provisional"
    assert _row(q4, "nn-stats")["applications_overdue"] == 1  # limit 14 October passed
    assert 0 <= _row(q4, "nn-stats")["quality_index"] <= 100
    with session.begin():
        assert session.get(StatsSnapshot, "2026Q4") is None
    with pytest.raises(InvalidValue, match="has not begun"):
        _figures(session, "2027Q1")


def test_an_ended_quarter_is_frozen_on_first_ask(world, session, app):
    frozen = _figures(session, "2026Q3")
    with session.begin():
        roads = session.scalar(select(Dataset).where(Dataset.title == "公路")).department
        _dataset(session, roads, "桥梁", datetime(2026, 8, 15), rows=5)
    counter = HitCounter(app.extensions["gxdata"].session_factory, now=lambda: HIT_DAY)
    counter.hit(DOWNLOAD, world["distribution"])
    counter.flush()
    again = _figures(session, "2026Q3")
    assert again == frozen and _row(again, "lz-roads")["datasets"] == 1
    fresh = _figures(session, "2026Q2")  # a quarter asked for the first time sees the change
    assert _row(fresh, "nn-stats")["datasets"] == 3
    with session.begin():  # computed anew, the changed quarter would differ: the test can fail
        session.delete(session.get(StatsSnapshot, "2026Q3"))
    recomputed = _figures(session, "2026Q3")
    assert _row(recomputed, "lz-roads")["datasets"] == 2
    assert _row(recomputed, "nn-stats")["downloads"] == 4


def test_a_quarter_just_ended_is_not_frozen_before_its_last_hits_are_in(world, session):
    with session.begin():
        early = quarterly_figures(session, "2026Q3", Options(now=datetime(2026, 9, 30, 16, 5)))
    assert early["status"] == "provisional"
    with session.begin():
        assert session.get(StatsSnapshot, "2026Q3") is None
    later = _figures(session, "2026Q3")
    assert later["status"] == "final"


def test_the_openness_snapshot_of_a_quarter_gives_its_shares_and_index(world, session):
    """``gxdata stats snapshot`` kept the department's openness figures at the quarter's end:
    they win over the reconstruction, and bring the quality index a past quarter has none of."""
    figures = {"datasets": 3, "distributions": 3, "machine_readable_datasets_ratio": 0.5,
               "non_proprietary_datasets_ratio": 0.25, "rdf_datasets_ratio": 0.0,
               "dqi_mean": 72.5}  # fmt: skip
    with session.begin():
        session.add(QualitySnapshot(quarter="2026Q3", scope="department", key="nn-stats",
                                    figures=figures))  # fmt: skip
    q3 = _figures(session, "2026Q3")
    stats = _row(q3, "nn-stats")
    assert (stats["machine_readable_ratio"], stats["non_proprietary_ratio"]) == (0.5, 0.25)
    assert stats["quality_index"] == 72.5 and "quality_index" not in _row(q3, "lz-roads")
    assert _row(q3, "")["quality_index"] == 72.5  # the mean of the departments that have one
    assert _row(q3, "")["machine_readable_ratio"] == round((3 * 0.5 + 1 * 1.0) / 4, 4)
    assert "gxs:quality_index" not in to_turtle(q3, BASE)  # not every unit has it


def test_a_measure_registered_later_is_measured(world, session):
    measures = registry.with_providers(
        registry.MEASURES, {"reuses": lambda s, q: {world["stats"]: 2}}
    )
    figures = _figures(session, "2026Q3", measures=measures)
    assert _row(figures, "nn-stats")["reuses"] == 2 and _row(figures, "")["reuses"] == 2
    with pytest.raises(KeyError):
        registry.with_providers(registry.MEASURES, {"nothing": None})


def test_hits_are_batched_and_nothing_personal_is_kept(world, app, session):
    factory = app.extensions["gxdata"].session_factory
    counter = HitCounter(factory, flush_hits=5, flush_seconds=3600,
                         now=lambda: datetime(2026, 9, 2, 4))  # fmt: skip

    def rows():
        with factory() as db:
            return db.scalars(
                select(StatsCounter).where(StatsCounter.day == date(2026, 9, 2))
            ).all()

    for _ in range(4):
        counter.hit(PAGE_VIEW, world["slug"])
    assert rows() == []  # four hits: nothing written yet
    counter.hit(PAGE_VIEW, world["slug"])  # the fifth fills the batch
    written = rows()
    assert [(r.kind, r.count, r.department_id) for r in written] == [(PAGE_VIEW, 5, world["stats"])]
    columns = {c["name"] for c in inspect(app.extensions["gxdata"].engine).get_columns(
        "stats_counter")}  # fmt: skip
    assert columns == {"id", "day", "kind", "dataset_id", "department_id", "count"}
    with factory() as db:
        downloads = db.get(Distribution, world["distribution"]).download_count
    assert downloads == 3  # the flush also counts on the file (the home page's "most downloaded")


@pytest.fixture
def redis_client(tmp_path):
    """A Redis server of this test only, on 127.0.0.1 (skipped where none is installed)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is absent")
    redis = pytest.importorskip("redis")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield client
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


def test_hits_batched_in_redis_are_shared_and_written_once(world, app, redis_client):
    factory = app.extensions["gxdata"].session_factory
    day = lambda: datetime(2026, 9, 3, 4)  # noqa: E731
    one, two = (RedisHitCounter(redis_client, factory, flush_hits=5, flush_seconds=3600, now=day)
                for _ in range(2))  # two processes sharing one Redis  # fmt: skip
    for counter in (one, two, one, two):
        counter.hit(DOWNLOAD, world["distribution"])
    assert sum(one.pending_counts().values()) == 4

    def written():
        with factory() as db:
            return db.scalars(select(StatsCounter.count).where(
                StatsCounter.day == date(2026, 9, 3))).all()  # fmt: skip

    assert written() == []
    two.hit(DOWNLOAD, world["distribution"])  # the fifth, from either process, flushes all
    assert written() == [5] and one.pending_counts() == {}
    assert one.flush() == 0 and written() == [5]


def test_requests_are_counted_by_the_hook(world, app, client):
    counter = app.extensions["gxdata_stats"].counter
    assert client.get(f"/dataset/{world['slug']}").status_code == 200
    client.get(f"/dataset/{world['slug']}", headers={"User-Agent": "Baiduspider/2.0"})
    client.get(f"/dataset/{world['slug']}/resource/{world['distribution']}/download")
    client.get("/api/v1/datasets")
    client.get("/account/sign-in")  # not a public page of the catalog
    assert sum(counter.pending_counts().values()) == 3  # the crawler is not counted
    client.get("/dataset")  # the search page: a page view of no dataset
    assert counter.pending_counts()[(beijing_day(utcnow()), PAGE_VIEW, "")] == 1
    counter.flush()
    factory = app.extensions["gxdata"].session_factory
    with factory() as db:
        totals = dict(db.execute(select(StatsCounter.kind, func.sum(StatsCounter.count))
                                 .where(StatsCounter.day > date(2026, 11, 1))
                                 .group_by(StatsCounter.kind)).all())  # fmt: skip
    assert totals == {"page_view": 2, "download": 1, "api_call": 1}
    with factory() as db:
        viewed = db.scalars(select(StatsCounter.department_id).where(
            StatsCounter.kind == PAGE_VIEW, StatsCounter.dataset_id != "",
            StatsCounter.day > date(2026, 11, 1))).all()  # fmt: skip
    assert viewed == [world["stats"]]


def test_page_downloads_and_cli_agree(world, app, client, runner):
    page = client.get("/stats?quarter=2026Q3")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "南宁市统计局" in text and "柳州市" in text and "—" in text
    for fmt in ("csv", "json", "ttl"):
        download = client.get(f"/stats/quarterly/2026Q3.{fmt}")
        assert download.status_code == 200
        printed = runner.invoke(args=["stats", "quarterly", "--quarter", "2026Q3", "--format", fmt])
        assert printed.exit_code == 0, printed.output
        assert printed.output == download.get_data(as_text=True)
    figures = json.loads(client.get("/stats/quarterly/2026Q3.json").data)
    assert _row(figures, "nn-stats")["applications_made"] == 4
    csv_lines = client.get("/stats/quarterly/2026Q3.csv").get_data(as_text=True).splitlines()
    header = csv_lines[0].lstrip("\ufeff").split(",")
    stats_line = next(line.split(",") for line in csv_lines if ",nn-stats," in line)
    assert stats_line[header.index("datasets")] == "3" and stats_line[header.index("reuses")] == "1"
    assert client.get("/stats?quarter=2999Q1").status_code == 400
    assert client.get("/stats?quarter=nonsense").status_code == 400
    assert client.get("/stats/quarterly/nonsense.csv").status_code == 404
    bad = runner.invoke(args=["stats", "quarterly", "--quarter", "2026Q9"])
    assert bad.exit_code != 0 and "2026Q9" in bad.output


# --- the RDF Data Cube integrity constraints -----------------------------------------------

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""

# https://www.w3.org/TR/vocab-data-cube/#normalize-algorithm, phases 1 and 2
NORMALIZE = [
    "INSERT { ?o rdf:type qb:Observation } WHERE { [] qb:observation ?o }",
    "INSERT { ?o rdf:type qb:Observation } WHERE { ?o qb:dataSet [] }",
    "INSERT { ?s rdf:type qb:Slice } WHERE { [] qb:slice ?s }",
    "INSERT { ?cs qb:componentProperty ?p . ?p rdf:type qb:DimensionProperty } "
    "WHERE { ?cs qb:dimension ?p }",
    "INSERT { ?cs qb:componentProperty ?p . ?p rdf:type qb:MeasureProperty } "
    "WHERE { ?cs qb:measure ?p }",
    "INSERT { ?cs qb:componentProperty ?p . ?p rdf:type qb:AttributeProperty } "
    "WHERE { ?cs qb:attribute ?p }",
    """INSERT { ?obs ?comp ?value } WHERE {
        ?spec qb:componentProperty ?comp ; qb:componentAttachment qb:DataSet .
        ?dataset qb:structure [qb:component ?spec] ; ?comp ?value .
        ?obs qb:dataSet ?dataset . }""",
    """INSERT { ?obs ?comp ?value } WHERE {
        ?spec qb:componentProperty ?comp ; qb:componentAttachment qb:Slice .
        ?dataset qb:structure [qb:component ?spec] ; qb:slice ?slice .
        ?slice ?comp ?value ; qb:observation ?obs . }""",
    """INSERT { ?obs ?comp ?value } WHERE {
        ?spec qb:componentProperty ?comp . ?comp a qb:DimensionProperty .
        ?dataset qb:structure [qb:component ?spec] ; qb:slice ?slice .
        ?slice ?comp ?value ; qb:observation ?obs . }""",
    """INSERT { ?obs ?comp ?value } WHERE {
        ?spec qb:componentProperty ?comp ; qb:componentAttachment qb:MeasureProperty .
        ?dataset qb:structure [qb:component ?spec] .
        ?comp a qb:AttributeProperty .
        ?measure a qb:MeasureProperty ; ?comp ?value .
        ?obs qb:dataSet ?dataset ; ?measure [] . }""",
]

# https://www.w3.org/TR/vocab-data-cube/#wf-rules: each ASK is true when the cube is broken
CONSTRAINTS = {
    "IC-1": """ASK { { ?obs a qb:Observation . FILTER NOT EXISTS { ?obs qb:dataSet ?d1 . } }
        UNION { ?obs a qb:Observation ; qb:dataSet ?d1, ?d2 . FILTER (?d1 != ?d2) } }""",
    "IC-2": """ASK { { ?ds a qb:DataSet . FILTER NOT EXISTS { ?ds qb:structure ?dsd . } }
        UNION { ?ds a qb:DataSet ; qb:structure ?dsd1, ?dsd2 . FILTER (?dsd1 != ?dsd2) } }""",
    "IC-3": """ASK { ?dsd a qb:DataStructureDefinition .
        FILTER NOT EXISTS { ?dsd qb:component [qb:componentProperty [a qb:MeasureProperty]] } }""",
    "IC-4": "ASK { ?dim a qb:DimensionProperty . FILTER NOT EXISTS { ?dim rdfs:range [] } }",
    "IC-5": """ASK { ?dim a qb:DimensionProperty ; rdfs:range skos:Concept .
        FILTER NOT EXISTS { ?dim qb:codeList [] } }""",
    "IC-6": """ASK { ?dsd qb:component ?spec .
        ?spec qb:componentRequired "false"^^xsd:boolean ; qb:componentProperty ?component .
        FILTER NOT EXISTS { ?component a qb:AttributeProperty } }""",
    "IC-7": """ASK { ?sliceKey a qb:SliceKey .
        FILTER NOT EXISTS { [a qb:DataStructureDefinition] qb:sliceKey ?sliceKey } }""",
    "IC-8": """ASK { ?slicekey a qb:SliceKey ; qb:componentProperty ?prop .
        ?dsd qb:sliceKey ?slicekey .
        FILTER NOT EXISTS { ?dsd qb:component [qb:componentProperty ?prop] } }""",
    "IC-9": """ASK { { ?slice a qb:Slice . FILTER NOT EXISTS { ?slice qb:sliceStructure ?k } }
        UNION { ?slice a qb:Slice ; qb:sliceStructure ?k1, ?k2 . FILTER (?k1 != ?k2) } }""",
    "IC-10": """ASK { ?slice qb:sliceStructure [qb:componentProperty ?dim] .
        FILTER NOT EXISTS { ?slice ?dim [] } }""",
    "IC-11": """ASK { ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
        ?dim a qb:DimensionProperty . FILTER NOT EXISTS { ?obs ?dim [] } }""",
    "IC-12": """ASK { FILTER( ?allEqual ) {
        SELECT (MIN(?equal) AS ?allEqual) WHERE {
          ?obs1 qb:dataSet ?dataset . ?obs2 qb:dataSet ?dataset . FILTER (?obs1 != ?obs2)
          ?dataset qb:structure/qb:component/qb:componentProperty ?dim .
          ?dim a qb:DimensionProperty .
          ?obs1 ?dim ?value1 . ?obs2 ?dim ?value2 .
          BIND( ?value1 = ?value2 AS ?equal)
        } GROUP BY ?obs1 ?obs2 } }""",
    "IC-13": """ASK { ?obs qb:dataSet/qb:structure/qb:component ?component .
        ?component qb:componentRequired "true"^^xsd:boolean ; qb:componentProperty ?attr .
        FILTER NOT EXISTS { ?obs ?attr [] } }""",
    "IC-14": """ASK { ?obs qb:dataSet/qb:structure ?dsd .
        FILTER NOT EXISTS { ?dsd qb:component/qb:componentProperty qb:measureType }
        ?dsd qb:component/qb:componentProperty ?measure . ?measure a qb:MeasureProperty .
        FILTER NOT EXISTS { ?obs ?measure [] } }""",
    "IC-15": """ASK { ?obs qb:dataSet/qb:structure ?dsd ; qb:measureType ?measure .
        ?dsd qb:component/qb:componentProperty qb:measureType .
        FILTER NOT EXISTS { ?obs ?measure [] } }""",
    "IC-16": """ASK { ?obs qb:dataSet/qb:structure ?dsd ; qb:measureType ?measure ;
          ?omeasure [] .
        ?dsd qb:component/qb:componentProperty qb:measureType ;
          qb:component/qb:componentProperty ?omeasure .
        ?omeasure a qb:MeasureProperty . FILTER (?omeasure != ?measure) }""",
    # IC-17 as the specification writes it, but for two points of SPARQL 1.1 that make its
    # literal text always false: HAVING cannot name the projected ``?count`` (it is computed
    # before the projection), hence COUNT(?obs2); and the dimension filter joined into the
    # one FILTER of its group (same meaning; pyoxigraph otherwise ignores the exclusion)
    "IC-17": """ASK { {
        SELECT ?obs1 ?numMeasures WHERE {
          { SELECT ?dsd (COUNT(?m) AS ?numMeasures) WHERE {
              ?dsd qb:component/qb:componentProperty ?m . ?m a qb:MeasureProperty .
            } GROUP BY ?dsd }
          ?obs1 qb:dataSet/qb:structure ?dsd ; qb:dataSet ?dataset ; qb:measureType ?m1 .
          ?obs2 qb:dataSet ?dataset ; qb:measureType ?m2 .
          FILTER NOT EXISTS {
            ?dsd qb:component/qb:componentProperty ?dim . ?dim a qb:DimensionProperty .
            ?obs1 ?dim ?v1 . ?obs2 ?dim ?v2 . FILTER (?dim != qb:measureType && ?v1 != ?v2) }
        } GROUP BY ?obs1 ?numMeasures HAVING (COUNT(?obs2) != ?numMeasures) } }""",
    "IC-18": """ASK { ?dataset qb:slice ?slice . ?slice qb:observation ?obs .
        FILTER NOT EXISTS { ?obs qb:dataSet ?dataset . } }""",
    "IC-19a": """ASK { ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
        ?dim a qb:DimensionProperty ; qb:codeList ?list . ?list a skos:ConceptScheme .
        ?obs ?dim ?v . FILTER NOT EXISTS { ?v a skos:Concept ; skos:inScheme ?list } }""",
    "IC-19b": """ASK { ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
        ?dim a qb:DimensionProperty ; qb:codeList ?list . ?list a skos:Collection .
        ?obs ?dim ?v . FILTER NOT EXISTS { ?v a skos:Concept . ?list skos:member+ ?v } }""",
}
# IC-20 and IC-21 are templates instantiated for each hierarchical code list's property
HIERARCHY_PROPERTIES = """SELECT ?p ?inverse WHERE { ?list a qb:HierarchicalCodeList ;
    qb:parentChildProperty ?pcp .
    OPTIONAL { ?pcp owl:inverseOf ?q . FILTER(isBlank(?pcp)) }
    BIND(COALESCE(?q, ?pcp) AS ?p) BIND(BOUND(?q) AS ?inverse) }"""
IC_20_21 = """ASK { ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
    ?dim a qb:DimensionProperty ; qb:codeList ?list . ?list a qb:HierarchicalCodeList .
    ?obs ?dim ?v . FILTER NOT EXISTS { ?list qb:hierarchyRoot/%s ?v } }"""


def violations(turtle: str) -> list[str]:
    """The integrity constraints the cube breaks, after normalizing it."""
    store = pyoxigraph.Store()
    store.load(turtle.encode(), pyoxigraph.RdfFormat.TURTLE)
    for update in NORMALIZE:
        store.update(PREFIXES + update)
    broken = [name for name, ask in CONSTRAINTS.items() if store.query(PREFIXES + ask)]
    for solution in store.query(PREFIXES + HIERARCHY_PROPERTIES):
        path = f"(<{solution['p'].value}>)*"
        inverse = solution["inverse"].value == "true"
        if inverse:
            path = f"(^<{solution['p'].value}>)*"
        if store.query(PREFIXES + IC_20_21 % path):
            broken.append("IC-21" if inverse else "IC-20")
    return broken


@pytest.fixture
def cube(world, session):
    return to_turtle(_figures(session, "2026Q3"), BASE)


def test_the_data_cube_meets_every_integrity_constraint(cube):
    assert "qb:Observation" in cube and "sdmx-dimension:refPeriod" in cube
    assert violations(cube) == []
    graph = pyoxigraph.Store()
    graph.load(cube.encode(), pyoxigraph.RdfFormat.TURTLE)
    count = PREFIXES + "SELECT (COUNT(?o) AS ?n) WHERE { ?o a qb:Observation }"
    assert int(next(iter(graph.query(count)))["n"].value) > 20


def test_an_empty_quarter_is_a_valid_cube(app, session):
    empty = _figures(session, "2026Q1", first_quarter="2026Q1")  # an empty catalog's quarter
    assert violations(to_turtle(empty, BASE)) == []


def _broken(cube: str, update: str) -> str:
    store = pyoxigraph.Store()
    store.load(cube.encode(), pyoxigraph.RdfFormat.TURTLE)
    store.update(
        PREFIXES
        + "PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>\n"
        + update
    )
    dumped = store.dump(format=pyoxigraph.RdfFormat.TURTLE, from_graph=pyoxigraph.DefaultGraph())
    return dumped.decode()


ONE = "/platform/all/datasets"


@pytest.mark.parametrize(
    ("update", "constraint"),
    [
        (  # a second observation of the same unit, period and measure
            f"""INSERT {{ <http://x.example/twin> ?p ?o }} WHERE {{
            ?obs a qb:Observation ; ?p ?o . FILTER(STRENDS(STR(?obs), "{ONE}")) }}""",
            "IC-12",
        ),
        (  # an observation without its data set
            f"""DELETE {{ ?obs qb:dataSet ?d }} WHERE {{
            ?obs qb:dataSet ?d . FILTER(STRENDS(STR(?obs), "{ONE}")) }}""",
            "IC-1",
        ),
        (  # an observation without its unit
            f"""DELETE {{ ?obs sdmx-attribute:unitMeasure ?u }} WHERE {{
            ?obs sdmx-attribute:unitMeasure ?u . FILTER(STRENDS(STR(?obs), "{ONE}")) }}""",
            "IC-13",
        ),
        (  # an observation without its period
            f"""DELETE {{ ?obs <http://purl.org/linked-data/sdmx/2009/dimension#refPeriod> ?u }}
            WHERE {{ ?obs <http://purl.org/linked-data/sdmx/2009/dimension#refPeriod> ?u .
            FILTER(STRENDS(STR(?obs), "{ONE}")) }}""",
            "IC-11",
        ),
        (  # one measure missing for one unit
            f"""DELETE {{ ?obs ?p ?o }} WHERE {{
            ?obs ?p ?o . FILTER(STRENDS(STR(?obs), "{ONE}")) }}""",
            "IC-17",
        ),
        (  # a dimension without a range
            "DELETE WHERE { <http://gxdata.test/stats/def#reportingUnit> rdfs:range ?r }",
            "IC-4",
        ),
    ],
)
def test_a_broken_cube_fails_the_constraints(cube, update, constraint):
    assert violations(cube) == []
    assert constraint in violations(_broken(cube, update))


# --- review fixes ----------------------------------------------------------------------------


def _hidden(session, department_slug="nn-stats"):
    """A dataset of 统计局 that is not public (a draft)."""
    from catalog.models import Department

    with session.begin():
        department = session.scalar(select(Department).where(Department.slug == department_slug))
        dataset = create_dataset(
            session, title="内部名单", department=department, issued=datetime(2026, 2, 1)
        )
        dataset.slug = "internal-list"
    return dataset


def test_a_non_public_dataset_is_never_told_by_the_counts(world, app, client, session):
    hidden = _hidden(session)
    counter = app.extensions["gxdata_stats"].counter
    counter.flush()
    for _ in range(3):
        answer = client.get(f"/api/3/action/package_show?id={hidden.slug}")
        assert answer.status_code == 404
    client.get("/dataset/no-such-dataset")
    assert counter.pending_counts() == {}  # neither 404 is counted
    factory = app.extensions["gxdata"].session_factory
    day = datetime(2026, 9, 4, 4)
    direct = HitCounter(factory, flush_hits=10_000, now=lambda: day)
    for subject in (hidden.slug, hidden.id):
        direct.hit(API_CALL, subject)
        direct.hit(PAGE_VIEW, subject)
    direct.flush()
    with factory() as db:
        columns = (StatsCounter.dataset_id, StatsCounter.department_id, StatsCounter.count)
        rows = db.execute(select(*columns).where(StatsCounter.day == day.date())).all()
    assert rows and all(r.dataset_id == "" and r.department_id is None for r in rows)
    assert sum(r.count for r in rows) == 4


def test_the_live_cache_is_kept_by_the_normal_code(world, app, client, monkeypatch):
    import portal.stats as portal_stats

    calls = []
    real = portal_stats.quarterly_figures

    def counted(session, code, options=None):
        calls.append(code)
        return real(session, code, options)

    monkeypatch.setattr(portal_stats, "quarterly_figures", counted)
    this = beijing_day(utcnow())
    code = f"{this.year}q{(this.month - 1) // 3 + 1}"
    for asked in (f"{code}%20", code.upper(), f"%20{code}"):
        assert client.get(f"/stats?quarter={asked}").status_code == 200
    assert client.get(f"/stats/quarterly/{code}.json").status_code == 200
    assert client.get(f"/stats/quarterly/{code.upper()}%20.csv").status_code == 200
    assert client.get(f"/stats/quarterly/%20{code}.ttl").status_code == 200
    assert len(calls) == 1


def test_a_quarter_before_the_platform_began_is_refused(world, app, client, session):
    assert client.get("/stats?quarter=1000Q1").status_code == 400
    assert client.get("/stats/quarterly/1000Q1.json").status_code == 404
    assert client.get("/stats/quarterly/2025Q4.csv").status_code == 404  # world begins 2026Q1
    assert client.get("/stats/quarterly/2026Q1.csv").status_code == 200
    with session.begin():
        assert session.get(StatsSnapshot, "1000Q1") is None
        assert session.get(StatsSnapshot, "2025Q4") is None
    listed = client.get("/stats").get_data(as_text=True)
    assert "1000Q1" not in listed and "2025Q4" not in listed and "2026Q1" in listed
    with pytest.raises(InvalidValue):
        _figures(session, "2025Q4")
    assert _figures(session, "2025Q4", first_quarter="2025Q1")["rows"]  # as configured
    app.extensions["gxdata_stats"].first_quarter = "2025Q1"
    assert client.get("/stats/quarterly/2025Q3.csv").status_code == 200


def test_concurrent_asks_for_a_quarter_share_one_computation(world, app, monkeypatch):
    import threading

    import portal.stats as portal_stats

    calls = []
    real = portal_stats.quarterly_figures

    def slow(session, code, options=None):
        calls.append(code)
        time.sleep(0.3)
        return real(session, code, options)

    monkeypatch.setattr(portal_stats, "quarterly_figures", slow)
    today = beijing_day(utcnow())
    code = current_code = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    results = []

    def ask():
        with app.app_context():
            results.append(portal_stats.figures_for(current_code))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 4 and len(calls) == 1
    assert all(r["quarter"] == code for r in results)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed once the probe is


def test_a_redis_outage_fails_no_download_and_no_stats_page(app, client, session):
    import redis

    with session.begin():
        department = create_department(session, "南宁市统计局", division="450100")
        dataset = _dataset(session, department, "人口", datetime(2026, 2, 10))
        slug, distribution_id = dataset.slug, dataset.distributions[0].id
    factory = app.extensions["gxdata"].session_factory
    away = redis.Redis.from_url(f"redis://127.0.0.1:{_closed_port()}/0", socket_timeout=1)
    app.extensions["gxdata_stats"].counter = RedisHitCounter(away, factory, flush_seconds=0)
    download = client.get(f"/dataset/{slug}/resource/{distribution_id}/download")
    assert download.status_code == 302  # to the source: served, not counted
    assert client.get("/stats").status_code == 200
    assert client.get(f"/dataset/{slug}").status_code == 200


class _Failing:
    """A session factory whose database is away (locked), counting the attempts."""

    def __init__(self):
        self.attempts = 0

    def __call__(self):
        self.attempts += 1
        raise OSError("database is locked")


def test_a_failed_write_is_not_retried_by_every_hit(world):
    clock = [0.0]
    failing = _Failing()
    counter = HitCounter(failing, flush_hits=1, flush_seconds=60, clock=lambda: clock[0])  # type: ignore[arg-type]
    for _ in range(20):
        counter.hit(PAGE_VIEW, world["slug"])
    assert failing.attempts == 1 and sum(counter.pending_counts().values()) == 20
    clock[0] = 61.0
    counter.hit(PAGE_VIEW, world["slug"])
    assert failing.attempts == 2 and sum(counter.pending_counts().values()) == 21


def test_a_hit_never_waits_for_a_write_in_progress(world, app):
    import threading

    factory = app.extensions["gxdata"].session_factory
    counter = HitCounter(factory, flush_hits=1, flush_seconds=60)
    counter.writing.acquire()  # another thread is writing
    try:
        done = threading.Event()

        def hit():
            counter.hit(PAGE_VIEW, world["slug"])
            done.set()

        threading.Thread(target=hit, daemon=True).start()
        assert done.wait(5)  # counted without waiting
        assert sum(counter.pending_counts().values()) == 1
    finally:
        counter.writing.release()
    assert counter.flush() == 1


def test_pending_keys_are_capped_while_the_database_is_away(world, caplog):
    clock = [0.0]
    counter = HitCounter(_Failing(), flush_hits=1, flush_seconds=60, clock=lambda: clock[0],  # type: ignore[arg-type]
                         max_keys=10)  # fmt: skip
    for n in range(30):
        counter.hit(PAGE_VIEW, f"subject-{n}")
    pending = counter.pending_counts()
    assert len(pending) <= 10 and counter.dropped >= 20
    assert any(key[2] == "subject-29" for key in pending)  # the newest are kept
    assert "dropped" in caplog.text


def test_the_timer_flushes_a_quiet_portal(world, app):
    from catalog.stats.counters import FlushTimer

    factory = app.extensions["gxdata"].session_factory
    counter = HitCounter(factory, flush_hits=10_000, flush_seconds=3600,
                         now=lambda: datetime(2026, 9, 5, 4))  # fmt: skip
    counter.hit(PAGE_VIEW, world["slug"])
    timer = FlushTimer(counter, 0.05)
    timer.start()
    try:
        for _ in range(100):
            if not counter.pending_counts():
                break
            time.sleep(0.05)
    finally:
        timer.stop()
    with factory() as db:
        written = db.scalars(select(StatsCounter.count).where(
            StatsCounter.day == date(2026, 9, 5))).all()  # fmt: skip
    assert written == [1]


def test_a_dataset_issued_early_on_a_quarters_first_beijing_day_counts_in_it(app, session):
    with session.begin():
        department = create_department(session, "南宁市统计局", division="450100")
        # 2026-07-01 01:30 in Beijing is 2026-06-30 17:30 UTC
        _dataset(session, department, "人口", datetime(2026, 6, 30, 17, 30), rows=5)
    q2 = _figures(session, "2026Q2", first_quarter="2026Q1")
    q3 = _figures(session, "2026Q3")
    platform = lambda f: _row(f, "")  # noqa: E731
    assert platform(q2).get("datasets", 0) == 0 and platform(q2).get("records", 0) == 0
    assert platform(q3)["datasets"] == 1 and platform(q3)["records"] == 5


def test_a_portal_configured_with_an_absent_redis_still_serves(app, tmp_path):
    from portal import create_app

    url = f"redis://127.0.0.1:{_closed_port()}/0"
    other = create_app({"INSTANCE_PATH": str(tmp_path / "other"), "SECRET_KEY": "test-secret",
                        "DATABASE_URL": app.config["DATABASE_URL"], "TESTING": True,
                        "BASE_URL": BASE, "NETWORK": False, "REDIS_URL": url})  # fmt: skip
    try:
        assert isinstance(other.extensions["gxdata_stats"].counter, RedisHitCounter)
        client = other.test_client()
        assert client.get("/stats").status_code == 200
        assert client.get("/dataset").status_code == 200
    finally:
        other.extensions["gxdata"].close()
