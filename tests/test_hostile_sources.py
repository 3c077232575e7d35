"""Hostile sources at once: a fake CKAN site and a DCAT catalog on 127.0.0.1 serving every bad
record of issue 9 that a source can send (a lone surrogate, a NUL, control characters in
extras, keywords and distributions, a record the database refuses, a next page on another
host, a package_search answering 404). Each job finishes within its limits, writes every good
record and rejects every bad one with its code."""

from __future__ import annotations

import time

from factories import ckan_package
from sources_server import SourceServer
from sqlalchemy import select
from test_harvest_bad_records import refusing_database  # noqa: F401 - a fixture

from catalog.harvest.models import HarvestJob, HarvestJobRecord

GOOD = 4


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
