"""Openness ratios, the MQA score, the data quality index, quarterly figures, data packages."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from frictionless import Package

from catalog.db import utcnow
from catalog.quality import dqi, mqa
from catalog.quality.datapackage import datapackage
from catalog.quality.facts import load_facts, public_facts
from catalog.quality.figures import (
    last_complete_quarter,
    openness_figures,
    quarter_end,
    quarters_between,
    take_snapshot,
)
from catalog.quality.links import url_hash
from catalog.quality.models import LinkCheck
from catalog.quality.remote import Limits
from catalog.quality.validate import validate_distribution
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.departments import get_or_create_department
from catalog.services.distributions import attach_distribution, store_file
from vocab import frequencies

TODAY = date(2026, 5, 20)
NOW = datetime(2026, 5, 20, 8, 0)
CSV = ("编号,城市,人口\n" + "".join(f"{n},南宁市,{n * 3}\n" for n in range(1, 40))).encode()
PAGE = "http://127.0.0.1:9/page"  # never fetched: link states are stored rows here


def _department(session, name="南宁市统计局"):
    return get_or_create_department(session, name, phone="0771-1234567")


def _perfect(session, services):
    dataset = create_dataset(
        session,
        title="南宁市人口",
        department=_department(session),
        description="南宁市各年末户籍人口。",
        keywords=["人口"],
        category="population",
        spatial="450100",
        temporal_start=date(2020, 1, 1),
        licence="CC-BY-4.0",
        contact_phone="0771-1234567",
        access_conditions="署名后可自由使用",
        update_frequency="annual",
        modified=NOW - timedelta(days=30),
        issued=datetime(2025, 2, 10),
    )
    store_file(
        session,
        services.files,
        dataset,
        file_name="人口.csv",
        stream=io.BytesIO(CSV),
        max_bytes=100_000,
        issued=NOW,
        modified=NOW,
    )
    publish_dataset(session, dataset)
    return dataset


def _poor(session, title="绿色学校名单"):
    dataset = create_dataset(session, title=title, department=_department(session, "南宁市教育局"))
    attach_distribution(session, dataset, title="名单.xls", access_url=PAGE)
    publish_dataset(session, dataset)
    return dataset


def _facts(session, services, dataset):
    return load_facts(session, [dataset], services.files)[0]


def test_a_complete_dataset_scores_all_405_points_and_100(session, services):
    with session.begin():
        dataset = _perfect(session, services)
        validate_distribution(session, services.files, dataset.distributions[0], Limits(False))
    facts = _facts(session, services, dataset)
    score = mqa.score(facts)
    assert score.points == mqa.MAX_POINTS == 405
    assert score.band == "excellent" and score.raises() == []
    quality = dqi.score(facts, TODAY)
    assert quality.components == {
        "completeness": 100.0,
        "timeliness": 100.0,
        "validity": 100.0,
        "accessibility": 100.0,
    }
    assert quality.meets_target and quality.advice == []


def test_a_poor_dataset_scores_what_it_earns_and_says_what_would_raise_it(session, services):
    with session.begin():
        dataset = _poor(session)
    facts = _facts(session, services, dataset)
    score = mqa.score(facts)
    # format 20 + media type 10 + both from vocabularies 10 + machine-readable 20
    # + access rights 10 + from a vocabulary 5 + publisher 10
    assert score.points == 85 and score.band == "bad"
    assert score.dimension("interoperability") == (60, 110)
    biggest = score.raises()[0]
    assert biggest.criterion.code == "access-url-answers" and biggest.missing == 50
    quality = dqi.score(facts, TODAY)
    assert quality.components["validity"] is None  # no table to validate
    assert quality.components["accessibility"] == 0
    assert quality.components["timeliness"] == 0
    assert set(quality.missing_fields) >= {"description", "category", "keywords", "licence"}
    codes = [a.code for a in quality.advice]
    assert {"fill-fields", "declare-frequency", "check-links"} <= set(codes)
    session.commit()
    with session.begin():  # the link was checked and answers
        session.add(LinkCheck(url_hash=url_hash(PAGE), url=PAGE, ok=True, status_code=200))
    facts = _facts(session, services, dataset)
    assert mqa.score(facts).points == 135 and mqa.score(facts).band == "sufficient"
    assert dqi.score(facts, TODAY).components["accessibility"] == 100


@pytest.mark.parametrize(("late_by", "expected"), [(0, 100.0), (1, 50.0), (32, 0.0)])
def test_timeliness_against_the_update_frequency(session, services, late_by, expected):
    period = frequencies.max_age_days("monthly")
    assert period is not None
    with session.begin():
        dataset = _poor(session)
        dataset.update_frequency = "monthly"
        dataset.modified = NOW - timedelta(days=period + late_by)
    facts = _facts(session, services, dataset)
    assert dqi.timeliness(facts, TODAY)[0] == expected


def test_distribution_criteria_count_the_share_of_files(session, services):
    with session.begin():
        dataset = _poor(session)
        attach_distribution(session, dataset, title="名单.csv", access_url=PAGE)
        attach_distribution(session, dataset, title="说明.pdf", access_url=PAGE)
    facts = _facts(session, services, dataset)
    earned = {e.criterion.code: e for e in mqa.score(facts).earned}
    assert earned["machine-readable"].points == pytest.approx(20 * 2 / 3)
    assert earned["non-proprietary"].points == pytest.approx(20 * 2 / 3)  # CSV and PDF
    assert (earned["machine-readable"].met, earned["machine-readable"].of) == (2, 3)


def test_ratios_figures_and_quarters(session, services):
    with session.begin():
        perfect = _perfect(session, services)
        _poor(session)
        old = _poor(session, "历年学校名单")
        old.issued = datetime(2024, 11, 5)
        rdf = _poor(session, "学校名单（RDF）")
        rdf.issued = datetime(2025, 8, 1)
        attach_distribution(session, rdf, title="名单.rdf", access_url=PAGE)
    with session.begin():
        validate_distribution(session, services.files, perfect.distributions[0], Limits(False))
        figures = openness_figures(session, public_facts(session, services.files), TODAY)
    ratios = figures.catalog.ratios
    assert (ratios.datasets, ratios.distributions) == (4, 5)
    assert ratios.ratio("machine_readable", "datasets") == 1.0
    assert ratios.ratio("non_proprietary", "datasets") == 0.5  # the CSV and the RDF dataset
    assert ratios.ratio("non_proprietary", "distributions") == 0.4
    assert ratios.ratio("rdf", "datasets") == 0.25 and ratios.ratio("rdf", "distributions") == 0.2
    departments = {g.name: g for g in figures.departments}
    assert departments["南宁市统计局"].meets_target is True
    assert departments["南宁市教育局"].meets_target is False
    assert departments["南宁市教育局"].datasets_meeting == 0
    assert {g.key for g in figures.categories} == {"population", ""}
    assert {g.key for g in figures.divisions} >= {"450100"}

    quarters = {q.quarter: q for q in figures.quarters}
    assert min(quarters) == "2024Q4" and max(quarters) == "2026Q1"
    assert quarters["2024Q4"].method == "reconstructed"
    assert quarters["2024Q4"].catalog["datasets"] == 1
    assert quarters["2025Q1"].catalog["datasets"] == 2
    assert quarters["2025Q3"].catalog["rdf_datasets"] == 1
    with session.begin():
        assert take_snapshot(session, figures, "2025Q4") == len(figures.groups())
        again = openness_figures(session, public_facts(session, services.files), TODAY)
    snapshot = {q.quarter: q for q in again.quarters}["2025Q4"]
    assert snapshot.method == "snapshot" and snapshot.catalog["mqa_mean"] is not None
    data = again.to_dict()
    assert data["catalog"]["datasets"] == 4 and data["target"] == 80


def test_quarter_arithmetic():
    assert quarter_end("2026Q1") == date(2026, 3, 31)
    assert quarter_end("2025Q4") == date(2025, 12, 31)
    assert last_complete_quarter(date(2026, 1, 15)) == "2025Q4"
    assert last_complete_quarter(date(2026, 11, 27)) == "2026Q3"
    assert quarters_between("2025Q3", "2026Q2") == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    with pytest.raises(ValueError):
        quarter_end("2026-Q3")


def test_every_dataset_exports_a_valid_data_package(session, services):
    with session.begin():
        dataset = _perfect(session, services)
        validate_distribution(session, services.files, dataset.distributions[0], Limits(False))
        poor = _poor(session)
    descriptor = datapackage(_facts(session, services, dataset), "http://gxdata.test")
    assert Package.validate_descriptor(descriptor).valid
    resource = descriptor["resources"][0]
    assert resource["schema"]["fields"][2] == {"name": "人口", "type": "integer"}
    assert resource["hash"] == f"sha256:{dataset.distributions[0].sha256}"
    assert resource["path"].startswith(f"http://gxdata.test/dataset/{dataset.id}/resource/")
    assert resource["rows"] == 39 and resource["encoding"] == "utf-8"
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    other = datapackage(_facts(session, services, poor), "http://gxdata.test")
    assert Package.validate_descriptor(other).valid
    assert other["resources"][0]["path"] == PAGE


def test_today_is_the_default(session, services):
    figures = openness_figures(session, public_facts(session, services.files))
    assert figures.computed_at.date() == utcnow().date()
