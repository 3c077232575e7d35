"""Formula injection: every CSV and XLSX the portal writes neutralises formula-leading text."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest
from openpyxl import Workbook

from catalog.cells import safe_cell
from catalog.quality.enrichment import enrich_dataset
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.departments import get_or_create_department
from catalog.services.distributions import store_file
from exports.sparql_results import QueryOutcome, to_csv
from portal.quality import enrich_context

HOSTILE = "+cmd|' /C notepad'!A0"


@pytest.mark.parametrize(
    "value",
    [HOSTILE, "=1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "＋1", "－1", "＠A1", "-"],
)
def test_formula_leading_text_gets_an_apostrophe(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-3.5", "+12", "-1e3", ".5", "广西", "a=b", "", None, -3.5, 7])
def test_numbers_and_other_text_are_unchanged(value):
    assert safe_cell(value) == value


def test_openness_csv_neutralises_a_department_name(client, session):
    with session.begin():
        department = get_or_create_department(session, HOSTILE)
        publish_dataset(session, create_dataset(session, title="站点", department=department))
    text = client.get("/stats/openness.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    names = {row["name"] for row in rows if row["scope"] != "catalog"}
    assert "'" + HOSTILE in names and HOSTILE not in names


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_derived_csv_of_a_spreadsheet_neutralises_text_but_keeps_numbers(app, session, services):
    rows = [["名称", "数值"]] + [[f"站点{n}", n] for n in range(1, 20)]
    rows[1] = [HOSTILE, -3.5]
    rows[2] = ["＝SUM(A1:A9)", "-4.25"]
    with session.begin():
        dataset = create_dataset(
            session, title="站点", department=get_or_create_department(session, "南宁市")
        )
        publish_dataset(session, dataset)
        store_file(
            session,
            services.files,
            dataset,
            file_name="站点.xlsx",
            stream=io.BytesIO(_xlsx(rows)),
            max_bytes=1_000_000,
        )
        enrich_dataset(session, dataset, enrich_context(app, network=False))
    derived = next(d for d in dataset.distributions if d.format == "CSV")
    text = services.files.path(derived.stored_file).read_text(encoding="utf-8")
    written = list(csv.reader(io.StringIO(text)))
    assert written[1] == ["'" + HOSTILE, "-3.5"]
    assert written[2] == ["'＝SUM(A1:A9)", "-4.25"]


def test_sparql_csv_results_neutralise_literals():
    outcome = QueryOutcome(
        "select", ["name", "n"], [[ox.Literal(HOSTILE), ox.Literal("-3.5")]], None, False
    )
    assert list(csv.reader(io.StringIO(to_csv(outcome))))[1] == ["'" + HOSTILE, "-3.5"]
