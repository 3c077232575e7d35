"""Harvesting CKAN portals: real open.canada.ca, envidat.ch and transportdata.be responses
served by a CKAN site on 127.0.0.1, and the portal's own CKAN API harvested from a running
portal into another."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from catalog.harvest.models import HarvestJob, HarvestJobRecord, HarvestRecord
from catalog.models import Dataset, Department
from catalog.queries import public_datasets

FIXTURES = Path(__file__).parent / "fixtures" / "ckan"


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _dataset(session, remote_id: str) -> Dataset:
    stmt = (
        select(Dataset)
        .join(HarvestRecord, HarvestRecord.dataset_id == Dataset.id)
        .where(HarvestRecord.remote_id == remote_id)
    )
    return session.scalars(stmt).one()


def _log(session, job_id: int) -> list[HarvestJobRecord]:
    stmt = select(HarvestJobRecord).where(HarvestJobRecord.job_id == job_id)
    return list(session.scalars(stmt.order_by(HarvestJobRecord.id)))


def test_open_canada_paged_search_bilingual_fields(source_server, new_source, harvest, session):
    url, site = source_server.ckan("/ckan")
    site.packages = _lines(FIXTURES / "open-canada" / "sample.jl")
    new_source("open-canada", "ckan", url, config={"rows": 20})
    report = harvest("open-canada")
    assert report.status == "succeeded"
    assert report.counts["added"] == 49 and report.counts["failed"] == 0
    searches = [p for p in source_server.requests if "package_search" in p]
    assert len(searches) == 3  # 49 packages, 20 rows a page
    assert {parse_qs(urlsplit(p).query)["rows"][0] for p in searches} == {"20"}

    ontario = _dataset(session, site.packages[3]["id"])
    assert ontario.title == "ONTARIO REGION NAME AND ADDRESS FILE"
    translations = ontario.extras["translations"]
    assert translations["title"] == {"fr": "DONNEES SUR LES NOMS ET ADRESSES- ONTARIO"}
    assert ontario.department.name == site.packages[3]["owner_org"]
    assert ontario.identifier == site.packages[3]["id"]
    monthly = [p for p in site.packages if p["maintenance_and_update_frequency"].startswith("Mon")]
    assert _dataset(session, monthly[0]["id"]).update_frequency == "monthly"  # "Monthly | Mensuel"

    ftp = next(p for p in site.packages if any(r["url"].startswith("ftp:") for r in p["resources"]))
    dataset = _dataset(session, ftp["id"])
    assert any(u.startswith("ftp://") for u in dataset.extras["unlinked_urls"])
    assert all(
        d.download_url is None or d.download_url.startswith("http") for d in dataset.distributions
    )
    row = next(r for r in _log(session, report.job_id) if r.remote_id == ftp["id"])
    assert row.outcome == "added" and "invalid-url" in {w["code"] for w in row.warnings}


def test_double_escaped_text_is_repaired(source_server, new_source, harvest, session):
    url, site = source_server.ckan("/ckan")
    site.packages = _lines(FIXTURES / "open-canada" / "nrcan-test.jl")
    new_source("nrcan", "ckan", url)
    report = harvest("nrcan")
    assert report.counts["added"] == 50
    name = site.packages[0]["name"]  # these packages have no id: the name stands in
    first = _dataset(session, name)
    assert first.extras["ckan_fields"]["catalog_type"] == "Geo Data | Géo"
    row = next(r for r in _log(session, report.job_id) if r.remote_id == name)
    assert "double-escaped-text" in {w["code"] for w in row.warnings}


def test_envidat_scheming_json_fields(source_server, new_source, harvest, session):
    url, site = source_server.ckan("/ckan")
    search = json.loads((FIXTURES / "envidat-ch" / "package_search.json").read_text())
    show = json.loads((FIXTURES / "envidat-ch" / "package_show.json").read_text())["result"]
    site.packages = search["result"]["results"] + [show]
    new_source("envidat", "ckan", url)
    assert harvest("envidat").counts["added"] == 3
    dataset = _dataset(session, site.packages[0]["id"])
    assert dataset.contact_name == "Elizaveta Sharaborova"  # maintainer is a JSON string
    assert dataset.contact_email == "elizaveta.sharaborova@epfl.ch"
    assert "ATMOSPHERIC HEATWAVES" in dataset.keywords  # the source's spelling
    assert dataset.spatial is None  # CKAN's spatial is GeoJSON, not a division code
    assert dataset.extras["ckan_fields"]["spatial"].startswith('{"type"')
    assert dataset.extras["ckan_fields"]["doi"] == "10.16904/envidat.792"
    assert dataset.licence == "CC-BY-4.0"  # its licence page, known to the licence table
    assert dataset.department.name == "CRYOS"
    assert dataset.landing_page == f"{url}/dataset/{site.packages[0]['name']}"


def test_without_package_search_lists_and_shows(source_server, new_source, harvest, session):
    url, site = source_server.ckan("/ckan")
    cambio = json.loads((FIXTURES / "transportdata-be" / "cambio-belgium-public.json").read_text())
    site.packages = [cambio["result"]]
    site.search = False
    new_source("transportdata", "ckan", url)
    report = harvest("transportdata")
    assert report.status == "succeeded" and report.counts["added"] == 1
    assert not any("package_search" in p for p in source_server.requests[1:])
    job = session.get(HarvestJob, report.job_id)
    assert "search-unavailable" in job.notes
    dataset = _dataset(session, cambio["result"]["id"])
    assert dataset.title == "cambio: Stations"
    assert dataset.description.startswith("Contains a list of stations")  # English of en/fr/de/nl
    # "de" repeats the English text in this record: only different texts are kept
    assert set(dataset.extras["translations"]["notes"]) == {"fr", "nl"}
    assert dataset.contact_phone == "+3292423235"
    assert (
        dataset.distributions[0].download_url
        == "https://cwapi.cambio-carsharing.com/pub/stations/BEL"
    )


def test_list_and_show_reports_packages_that_cannot_be_shown(
    source_server, new_source, harvest, session
):
    url, site = source_server.ckan("/ckan")
    cambio = json.loads((FIXTURES / "transportdata-be" / "cambio-belgium-public.json").read_text())
    names = json.loads((FIXTURES / "transportdata-be" / "packages_list.json").read_text())["result"]
    site.packages = [cambio["result"]]
    site.search = False
    original = site._package_list
    site._package_list = lambda params: (200, {"success": True, "result": names})  # the real list
    new_source("transportdata", "ckan", url)
    report = harvest("transportdata")
    site._package_list = original
    assert report.status == "succeeded"
    assert report.counts["added"] == 1 and report.counts["failed"] == len(names) - 1
    failed = [r for r in _log(session, report.job_id) if r.outcome == "failed"]
    assert {r.errors[0]["code"] for r in failed} == {"not-found"}


def test_organization_filter(source_server, new_source, harvest, session):
    url, site = source_server.ckan("/ckan")
    search = json.loads((FIXTURES / "envidat-ch" / "package_search.json").read_text())
    site.packages = search["result"]["results"]
    wanted = site.packages[0]["organization"]["name"]
    new_source("one-org", "ckan", url, config={"organization": wanted})
    report = harvest("one-org")
    assert report.counts["added"] == sum(
        1 for p in site.packages if p["organization"]["name"] == wanted
    )
    fq = parse_qs(urlsplit(source_server.requests[0]).query)["fq"][0]
    assert fq == f"organization:{wanted}"


def test_one_portal_harvests_another(live_server, demo_app, new_source, harvest, session):
    """The demo portal's CKAN API, over real HTTP, into a fresh portal."""
    with demo_app.extensions["gxdata"].session_factory() as demo:
        department = demo.scalars(
            select(Department).where(Department.name == "钦州市生态环境局")
        ).one()
        stmt = public_datasets().where(Dataset.department_id == department.id)
        expected = {
            d.title: (d, len(d.distributions), d.department.name) for d in demo.scalars(stmt)
        }
        slug = department.slug
    assert len(expected) == 24
    new_source("demo-portal", "ckan", live_server, config={"organization": slug, "rows": 10})
    report = harvest("demo-portal")
    assert report.status == "succeeded", report
    assert report.counts["added"] == len(expected)
    harvested = {d.title: d for d in session.scalars(select(Dataset))}
    assert set(harvested) == set(expected)
    for title, (original, files, department_name) in expected.items():
        copy = harvested[title]
        assert copy.identifier == original.identifier  # the original identifier, not its UUID
        assert copy.department.name == department_name
        for name in ("open_type", "update_frequency", "record_count", "topic", "industry"):
            assert getattr(copy, name) == getattr(original, name), name
        assert len(copy.distributions) == files
    job = session.get(HarvestJob, report.job_id)
    assert job.notes == []
    again = harvest("demo-portal")  # incremental: fq=metadata_modified:[<last run> TO *]
    assert again.status == "succeeded", again
    assert again.counts == dict.fromkeys(again.counts, 0)  # nothing changed, nothing missing
    assert session.get(HarvestJob, again.job_id).notes == []  # the portal honours the query
    assert session.scalar(select(func.count()).select_from(Dataset)) == len(expected)
