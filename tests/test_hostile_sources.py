"""Hostile sources at once: a fake CKAN site and a DCAT catalog on 127.0.0.1 serving every bad
record of issue 9 that a source can send (a lone surrogate, a NUL, control characters in
extras, keywords and distributions, a record the database refuses, a next page on another
host, a package_search answering 404). Each job finishes within its limits, writes every good
record and rejects every bad one with its code."""

from __future__ import annotations

import gzip
import json
import time

import bombs
from factories import ckan_package
from sources_server import SourceServer
from sqlalchemy import select
from test_harvest_bad_records import refusing_database  # noqa: F401 - a fixture

from catalog.harvest.models import HarvestJob, HarvestJobRecord, HarvestRecord, HarvestSource
from catalog.models import Dataset

GOOD = 4
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"


def _codes(session, job_id: int) -> dict[str, list[tuple[str, str | None]]]:
    rows = session.scalars(select(HarvestJobRecord).where(HarvestJobRecord.job_id == job_id))
    return {row.remote_id: [(e["code"], e["field"]) for e in row.errors] for row in rows}


def test_a_hostile_ckan_site(source_server, new_source, harvest, session, refusing_database):  # noqa: F811
    url, site = source_server.ckan("/ckan")
    good = [ckan_package(n) for n in range(1, GOOD + 1)]
    bad = {
        "surrogate-title": {"title": "\ud800"},
        "nul-notes": {"notes": "a\u0000b"},
        "bell-tag": {"tags": [{"name": "\x07"}]},
        "resource-name": {"resources": [{"name": "x\udfff", "url": "https://x.example/a.csv"}]},
        "deep-extra": {"custom": {"a": [{"b": "\x1b[31m"}]}},
        "refused": {"title": "拒收"},
    }
    site.packages = good + [
        {**ckan_package(100 + n), "id": name, **changes}
        for n, (name, changes) in enumerate(bad.items())
    ]
    site.missing = ("package_search",)  # and a 404 to package_search: list and show
    new_source("hostile", "ckan", url)
    started = time.monotonic()
    report = harvest("hostile")
    assert time.monotonic() - started < 30
    assert report.status == "succeeded", report
    assert report.counts == {**report.counts, "added": GOOD, "failed": len(bad)}
    codes = _codes(session, report.job_id)
    assert {name: codes[name] for name in bad} == {
        "surrogate-title": [("invalid-text", "title")],
        "nul-notes": [("invalid-text", "description")],
        "bell-tag": [("invalid-text", "keywords[0]")],
        "resource-name": [("invalid-text", "distributions[0].title")],
        "deep-extra": [("invalid-text", "extras.ckan_fields.custom.a[0].b")],
        "refused": [("database-rejected", None)],
    }
    assert all(codes[p["id"]] == [] for p in good)
    assert "search-unavailable" in session.get(HarvestJob, report.job_id).notes


def test_a_hostile_dcat_catalog(source_server, new_source, harvest, session):
    elsewhere = SourceServer()
    elsewhere.start()
    try:
        foreign = elsewhere.file("/page2.ttl", _turtle([("f", '"别人的"')]), "text/turtle")
        page = _turtle(
            [("a", '"好"'), ("b", '"坏\\uD800"'), ("c", '"也坏\\u0000"'), ("d", '"好的"')],
            next_page=foreign,
        )
        new_source("hostile", "dcat", source_server.file("/page1.ttl", page, "text/turtle"))
        report = harvest("hostile")
        assert report.status == "succeeded", report
        assert report.counts == {**report.counts, "added": 2, "failed": 2}
        assert elsewhere.requests == []
        codes = {k.rsplit("/", 1)[-1]: v for k, v in _codes(session, report.job_id).items()}
        bad_title = [("invalid-text", "title")]
        assert codes == {"a": [], "b": bad_title, "c": bad_title, "d": []}
        assert f"foreign-next-page:{foreign}" in session.get(HarvestJob, report.job_id).notes
    finally:
        elsewhere.stop()


def _turtle(datasets: list[tuple[str, str]], next_page: str | None = None) -> bytes:
    lines = [
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix hydra: <http://www.w3.org/ns/hydra/core#> .",
    ]
    for name, title in datasets:
        lines.append(
            f"<https://data.gxzf.gov.cn/dataset/{name}> a dcat:Dataset ; dct:title {title} ."
        )
    if next_page:
        lines.append(f"<page1.ttl> hydra:next <{next_page}> .")
    return "\n".join(lines).encode()


def test_every_hostile_source_at_once(source_server, new_source, harvest, session, client):
    """One server serves a CKAN site mixing good records with bad text and with access values
    that must not open anything, a JSON-LD catalog naming a remote context, a billion-laughs
    RDF/XML catalog, a deep JSON-LD document and a merged-range workbook. Every job ends
    within its limits; every good record is written, every bad one rejected with its code;
    nothing the hostile documents point at is fetched; nothing closed or conditional leaks."""
    context = source_server.file("/ctx.jsonld", b'{"@context": {}}', JSONLD)
    url, site = source_server.ckan("/ckan")
    access = {  # open type as the source states it -> as the portal keeps it
        "不予公开": "closed",
        "不予开放。": "closed",
        "private": "closed",
        "绝密（内部）": "closed",
        "有条件开放": "conditional",
        None: "conditional",
        "无条件开放": "unconditional",
    }
    packages = []
    for n, stated in enumerate(access, start=1):
        package = ckan_package(n, id=f"access-{n}")
        if stated is not None:
            package["open_type"] = stated
        package["resources"][0]["url"] = f"https://files.example/secret-{n}.csv"
        packages.append(package)
    packages.append({**ckan_package(50), "id": "bad-text", "title": "坏\ud800"})
    site.packages = packages
    term = {"t": {"@id": "http://purl.org/dc/terms/title", "@context": context}}
    jsonld = json.dumps(
        {"@context": term, "@id": "https://data.gxzf.gov.cn/dataset/1", "t": "上下文"}
    ).encode()
    serve = source_server.file
    sources = {
        "ckan": ("ckan", url),
        "context": ("dcat", serve("/ctx-catalog.jsonld", jsonld, JSONLD)),
        "laughs": ("dcat", serve("/laughs.rdf", bombs.billion_laughs_rdf(), RDFXML)),
        "deep": ("dcat", serve("/deep.jsonld", bombs.deep_json_ld(), JSONLD)),
        "merged": ("spreadsheet", serve("/merged.xlsx", bombs.merge_cell_xlsx(), XLSX)),
    }
    for name, (kind, address) in sources.items():
        new_source(name, kind, address)
    outcomes = {}
    started = time.monotonic()
    for name in sources:
        report = harvest(name)
        outcomes[name] = (report.status, report.error_code)
    assert time.monotonic() - started < 60
    assert outcomes == {
        "ckan": ("succeeded", None),
        "context": ("failed", "jsonld-remote-context"),
        "laughs": ("failed", "xml-entities"),
        "deep": ("failed", "document-too-deep"),
        "merged": ("failed", "sheet-too-large"),
    }
    assert source_server.requests.count("/ctx.jsonld") == 0

    ckan_job = session.scalars(
        select(HarvestJob).join(HarvestJob.source).where(HarvestSource.name == "ckan")
    ).one()
    codes = _codes(session, ckan_job.id)
    assert codes["bad-text"] == [("invalid-text", "title")]
    kept = {}
    for n, stated in enumerate(access, start=1):
        assert codes[f"access-{n}"] == [], stated
        dataset = session.scalars(
            select(Dataset)
            .join(HarvestRecord, HarvestRecord.dataset_id == Dataset.id)
            .where(HarvestRecord.remote_id == f"access-{n}")
        ).one()
        kept[stated] = dataset.open_type
    assert kept == access
    # Only the unconditional file's address is published, in every output asked here.
    texts = [
        client.get(path).get_data(as_text=True)
        for path in (
            "/api/3/action/package_search?rows=100",
            "/api/v1/datasets?limit=100",
            "/catalog.ttl",
        )
    ]
    texts.append(gzip.decompress(client.get("/catalog/dump.nt.gz").get_data()).decode())
    open_n = list(access).index("无条件开放") + 1
    for n in range(1, len(access) + 1):
        leaked = [t for t in texts if f"secret-{n}.csv" in t]
        assert bool(leaked) == (n == open_n), n
    closed = {d.slug for d in session.scalars(select(Dataset).where(Dataset.open_type == "closed"))}
    assert len(closed) == 4
    search = client.get("/api/3/action/package_search?rows=100").get_json()["result"]
    assert not closed & {p["name"] for p in search["results"]}
    assert search["count"] == 3  # two conditional (listed, files withheld) and the open one
