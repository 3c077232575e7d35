"""Harvesting DCAT catalogs in RDF: the W3C and DCAT-AP examples and opendata.swiss records
served on 127.0.0.1, Hydra paging, broken documents and remote JSON-LD contexts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from rdflib import Graph, URIRef
from sqlalchemy import select

from catalog.harvest.models import HarvestJob
from catalog.models import Dataset, Department
from catalog.queries import public_datasets
from harvesters.dcat import latest_change
from harvesters.fetch import FetchLimits

FIXTURES = Path(__file__).parent / "fixtures" / "dcat"
TURTLE = "text/turtle"


def _page(n: int, datasets: int, link: str | None, predicate: str = "next") -> bytes:
    lines = [
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix hydra: <http://www.w3.org/ns/hydra/core#> .",
        "<catalog> a dcat:Catalog .",
    ]
    for i in range(datasets):
        ident = f"https://data.gxzf.gov.cn/dataset/p{n}-{i}"
        lines.append(
            f'<{ident}> a dcat:Dataset ; dct:title "第{n}页数据集{i}"@zh ; '
            f'dct:identifier "p{n}-{i}" ; dcat:distribution [ a dcat:Distribution ; '
            f"dcat:downloadURL <{ident}.csv> ] ."
        )
    if link:
        lines.append(f"<page{n}.ttl> a hydra:PartialCollectionView ; hydra:{predicate} <{link}> .")
    return "\n".join(lines).encode()


def test_w3c_example_over_http(source_server, new_source, harvest, session):
    url = source_server.file(
        "/basic.ttl", (FIXTURES / "w3c-dcat3" / "basic-example.ttl").read_bytes(), TURTLE
    )
    new_source("w3c", "dcat", url)
    report = harvest("w3c")
    assert report.status == "succeeded" and report.counts["added"] == 1
    dataset = session.scalars(select(Dataset)).one()
    assert dataset.title == "Imaginary dataset"
    assert dataset.keywords == ["accountability", "payments", "transparency"]
    assert dataset.distributions[0].format == "CSV"  # from its IANA media type
    assert dataset.distributions[0].byte_size == 5120


def test_rdf_xml_and_n_triples(source_server, new_source, harvest, session):
    rdf = (FIXTURES / "w3c-dcat3" / "csiro-dap-examples.rdf").read_bytes()
    new_source("csiro", "dcat", source_server.file("/csiro", rdf, "application/rdf+xml"))
    report = harvest("csiro")  # two of its datasets share a DOI, three have no title
    assert report.counts == {**report.counts, "added": 5, "unchanged": 1, "failed": 3}
    nt = (FIXTURES / "dcat-ap-2.1.1" / "example1.nt").read_bytes()
    new_source("dcat-ap", "dcat", source_server.file("/example1", nt, "application/n-triples"))
    assert harvest("dcat-ap").counts["added"] == 1


def test_hydra_paging_next_and_next_page(source_server, new_source, harvest, session):
    source_server.file("/page1.ttl", _page(1, 3, "page2.ttl"), TURTLE)
    source_server.file("/page2.ttl", _page(2, 3, "page3.ttl", "nextPage"), TURTLE)
    source_server.file("/page3.ttl", _page(3, 2, None), TURTLE)
    new_source("paged", "dcat", source_server.url("/page1.ttl"))
    report = harvest("paged")
    assert report.counts["added"] == 8
    assert [p for p in source_server.requests] == ["/page1.ttl", "/page2.ttl", "/page3.ttl"]


def test_a_paging_loop_ends(source_server, new_source, harvest, session):
    source_server.file("/page1.ttl", _page(1, 1, "page2.ttl"), TURTLE)
    source_server.file("/page2.ttl", _page(2, 1, "page1.ttl"), TURTLE)
    new_source("loop", "dcat", source_server.url("/page1.ttl"))
    report = harvest("loop")
    assert report.status == "succeeded" and report.counts["added"] == 2
    assert "paging-loop" in session.get(HarvestJob, report.job_id).notes


def test_a_broken_page_fails_the_job_and_changes_nothing(
    source_server, new_source, harvest, session
):
    source_server.file("/page1.ttl", _page(1, 2, "page2.ttl"), TURTLE)
    source_server.file("/page2.ttl", _page(2, 2, None), TURTLE)
    new_source("paged", "dcat", source_server.url("/page1.ttl"))
    assert harvest("paged").counts["added"] == 4
    broken = FIXTURES / "dcat-ap-3.0.1" / "example-bee-population-dataset-series-api.ttl"
    source_server.file(
        "/page1.ttl", _page(1, 2, "page2.ttl").replace("第1页".encode(), "改名".encode()), TURTLE
    )
    source_server.file("/page2.ttl", broken.read_bytes(), TURTLE)
    report = harvest("paged")
    assert report.status == "failed" and report.error_code == "malformed-rdf"
    assert "/page2.ttl" in report.error_message
    assert not any("改名" in title for title in session.scalars(select(Dataset.title)))


def test_a_remote_json_ld_context_is_never_fetched(source_server, new_source, harvest):
    document = {
        "@context": source_server.url("/context.jsonld"),
        "@id": "https://data.gxzf.gov.cn/dataset/1",
        "@type": "http://www.w3.org/ns/dcat#Dataset",
        "title": "远程上下文",
    }
    source_server.file("/context.jsonld", b'{"@context": {}}', "application/ld+json")
    url = source_server.file(
        "/catalog.jsonld", json.dumps(document).encode(), "application/ld+json"
    )
    new_source("jsonld", "dcat", url)
    report = harvest("jsonld")
    assert report.status == "failed" and report.error_code == "jsonld-remote-context"
    assert "/context.jsonld" not in source_server.requests


def test_opendata_swiss_blank_node_datasets_are_stable(shared_reference, new_source, harvest):
    path = shared_reference / "dcat-rdf-real" / "opendata-swiss-dcatapch" / "catalog.xml"
    new_source("bfs", "dcat", str(path))
    assert harvest("bfs").counts["added"] == 2
    again = harvest("bfs", full=True)  # blank node labels change at every parse; records don't
    assert again.counts == {**again.counts, "unchanged": 2, "added": 0, "updated": 0}


# The other portal renders its DCAT pages on the fly from its database: on a loaded machine
# (PostgreSQL, CI) a page can take longer than the 2 s the fault tests allow a source.
PORTAL_LIMITS = FetchLimits(max_bytes=4 * 1024 * 1024, timeout=15.0, max_redirects=3)


def test_one_portal_harvests_another_through_dcat(
    live_server, demo_app, new_source, harvest, session
):
    """The demo portal's DCAT-AP catalog (its own writer) read back by the DCAT harvester."""
    with demo_app.extensions["gxdata"].session_factory() as demo:
        stmt = select(Department).where(Department.name == "钦州市生态环境局")
        department = demo.scalars(stmt).one()
        published = demo.scalars(public_datasets().where(Dataset.department_id == department.id))
        expected = {d.title: (d, sorted(x.title for x in d.distributions)) for d in published}
        slug = department.slug
    new_source("demo-dcat", "dcat", f"{live_server}/catalog.ttl?department={slug}")
    report = harvest("demo-dcat", limits=PORTAL_LIMITS)
    assert report.status == "succeeded", report
    assert report.counts["added"] == len(expected) == 24 and report.counts["failed"] == 0
    harvested = {d.title: d for d in session.scalars(select(Dataset))}
    assert set(harvested) == set(expected)
    for title, (original, files) in expected.items():
        copy = harvested[title]
        for name in ("identifier", "description", "keywords", "open_type", "update_frequency",
                     "record_count", "topic", "industry", "category", "spatial", "issued",
                     "modified", "contact_phone", "contact_email"):  # fmt: skip
            assert getattr(copy, name) == getattr(original, name), name
        assert copy.department.name == "钦州市生态环境局"
        assert sorted(d.title for d in copy.distributions) == files
    assert harvest("demo-dcat", full=True, limits=PORTAL_LIMITS).counts["unchanged"] == 24
    again = harvest(
        "demo-dcat", limits=PORTAL_LIMITS
    )  # incremental: none modified since, none read again
    assert again.counts == {**again.counts, "unchanged": 0, "updated": 0, "missing": 0}
    assert "not-modified:24" in session.get(HarvestJob, again.job_id).notes


def _dated(datasets: dict[str, tuple[str, str | None]], link: str | None = None) -> bytes:
    """A page of datasets: name -> (title, dct:modified or None)."""
    lines = [
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "@prefix hydra: <http://www.w3.org/ns/hydra/core#> .",
    ]
    for name, (title, modified) in datasets.items():
        uri = f"https://data.wuzhou.gov.cn/dataset/{name}"
        date = f' ; dct:modified "{modified}"^^xsd:date' if modified else ""
        lines.append(f'<{uri}> a dcat:Dataset ; dct:title "{title}"@zh{date} .')
    if link:
        lines.append(f"<page> a hydra:PartialCollectionView ; hydra:next <{link}> .")
    return "\n".join(lines).encode()


def _titles(session) -> dict[str, str]:
    session.expire_all()
    return {d.identifier or d.title: d.title for d in session.scalars(select(Dataset))}


def test_incremental_runs_skip_records_not_modified_since(
    source_server, new_source, harvest, session
):
    old = "2024-01-01"
    source_server.file("/p1.ttl", _dated({"a": ("甲", old), "b": ("乙", old)}, "p2.ttl"), TURTLE)
    source_server.file("/p2.ttl", _dated({"c": ("丙", None), "d": ("丁", old)}), TURTLE)
    new_source("wuzhou", "dcat", source_server.url("/p1.ttl"))
    assert harvest("wuzhou").counts["added"] == 4

    # a is edited but still says 2024-01-01: left unread; b says it changed; c has no date
    edited = {"a": ("甲（改）", old), "b": ("乙（改）", "2999-01-01")}
    source_server.file("/p1.ttl", _dated(edited, "p2.ttl"), TURTLE)
    source_server.file("/p2.ttl", _dated({"c": ("丙（改）", None), "d": ("丁", old)}), TURTLE)
    source_server.requests.clear()
    report = harvest("wuzhou")
    assert source_server.requests == ["/p1.ttl", "/p2.ttl"]  # every page is still read
    assert report.counts == {
        **report.counts,
        "updated": 2,
        "unchanged": 0,
        "missing": 0,
        "archived": 0,
    }
    job = session.get(HarvestJob, report.job_id)
    assert job.incremental_since is not None and "not-modified:2" in job.notes
    assert sorted(_titles(session).values()) == ["丁", "丙（改）", "乙（改）", "甲"]

    full = harvest("wuzhou", full=True)  # a full run reads every record
    assert full.counts == {**full.counts, "updated": 1, "unchanged": 3}
    assert "甲（改）" in _titles(session).values()


def test_skipped_records_stay_and_gone_ones_are_archived_and_return(
    source_server, new_source, harvest, session
):
    old = "2024-01-01"
    both = _dated({"a": ("甲", old), "b": ("乙", old)})
    source_server.file("/c.ttl", both, TURTLE)
    new_source("wuzhou", "dcat", source_server.url("/c.ttl"))
    harvest("wuzhou")
    source_server.file("/c.ttl", _dated({"a": ("甲", old)}), TURTLE)
    report = harvest("wuzhou", grace=timedelta(0))
    assert report.counts == {**report.counts, "archived": 1, "unchanged": 0}  # a: not archived
    session.expire_all()
    assert sorted(d.state for d in session.scalars(select(Dataset))) == ["archived", "published"]
    source_server.file("/c.ttl", both, TURTLE)  # b returns, still dated 2024: it is read
    report = harvest("wuzhou")
    assert report.counts == {**report.counts, "restored": 1, "archived": 0}
    session.expire_all()
    assert {d.state for d in session.scalars(select(Dataset))} == {"published"}


def test_latest_change_reads_dates_times_and_zones():
    graph = Graph().parse(
        data="""
        @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix foaf: <http://xmlns.com/foaf/0.1/> .
        <d1> dct:modified "2024-03-01"^^xsd:date .
        <d2> dct:modified "2024-03-01T10:00:00+08:00"^^xsd:dateTime .
        <d3> dct:modified "2024-03-01T10:00:00"^^xsd:dateTime .
        <d4> dct:modified "2024-03-01"^^xsd:date ; dcat:distribution <f4> .
        <f4> dct:modified "2024-05-01T00:00:00Z"^^xsd:dateTime .
        <r5> foaf:primaryTopic <d5> ; dct:modified "2024-06-01T00:00:00Z"^^xsd:dateTime .
        <d5> dct:modified "2024-03-01T00:00:00Z"^^xsd:dateTime .
        <d6> dct:title "no date" .
        <d7> dct:modified "yesterday" .
        """,
        format="turtle",
        publicID="http://x.test/",
    )
    changed = {n: latest_change(graph, URIRef(f"http://x.test/d{n}")) for n in range(1, 8)}
    assert changed[1] == datetime(2024, 3, 2, 14)  # the whole day, in any zone
    assert changed[2] == datetime(2024, 3, 1, 2)  # UTC
    assert changed[3] == datetime(2024, 3, 2, 0)  # no zone: up to 14 hours later in UTC
    assert changed[4] == datetime(2024, 5, 1)  # a later distribution
    assert changed[5] == datetime(2024, 6, 1)  # a later catalog record
    assert changed[6] is None and changed[7] is None  # always read
