"""The enrichment pipeline: what it infers, from what, and the files it derives."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from openpyxl import Workbook
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns
from sqlalchemy import select

from catalog.quality.enrichment import enrich_dataset
from catalog.quality.models import Derivation, InferredValue
from catalog.services.datasets import create_dataset, publish_dataset, update_dataset
from catalog.services.departments import get_or_create_department
from catalog.services.distributions import attach_distribution, store_file
from portal.quality import enrich_context
from vocab import divisions


@pytest.fixture
def context(app):
    return enrich_context(app, network=False)


def _dataset(session, title, department="南宁市大数据发展局", **fields):
    dataset = create_dataset(
        session, title=title, department=get_or_create_department(session, department), **fields
    )
    publish_dataset(session, dataset)
    return dataset


def _records(session, dataset):
    stmt = select(InferredValue).where(InferredValue.dataset_id == dataset.id)
    return {(r.distribution_id, r.field): r for r in session.scalars(stmt)}


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TABLE = [["编号", "站点", "日期", "客流", "开放"]] + [
    [n, f"青秀区第{n}号公交站", datetime.date(2024, 1, n % 28 + 1), n * 1.5, n % 2 == 0]
    for n in range(1, 121)
]


def test_category_from_topic_then_department_then_title(session, context):
    with session.begin():
        by_topic = _dataset(session, "企业年报公示信息", topic="市场监管")
        by_department = _dataset(session, "逐日观测数据", department="南宁市气象局")
        by_title = _dataset(session, "南宁市公交车站点信息")
        given = _dataset(session, "公交线路", category="statistics")
        for dataset in (by_topic, by_department, by_title, given):
            enrich_dataset(session, dataset, context)
    assert by_topic.category == "enterprise"
    assert by_department.category == "meteorology"
    assert by_title.category == "transport"
    assert given.category == "statistics"  # given metadata is never overwritten
    topic = _records(session, by_topic)[(None, "category")]
    assert topic.step == "category" and topic.source == "topic: 市场监管"
    assert topic.rule == "topic-mapping: topics.ttl 市场监管 → enterprise"
    department = _records(session, by_department)[(None, "category")]
    assert department.source == "department: 南宁市气象局"
    assert department.rule == "category-keyword: category_rules.ttl department/meteorology “气象”"
    title = _records(session, by_title)[(None, "category")]
    assert title.rule == "category-keyword: category_rules.ttl title/transport “公交”"
    assert (None, "category") not in _records(session, given)


def test_enrichment_is_idempotent_and_forgets_what_a_person_changed(session, context):
    with session.begin():
        dataset = _dataset(session, "南宁市公交车站点信息", description="全市公交站点的名称和位置")
        first = enrich_dataset(session, dataset, context)
    assert first.changes >= 2 and dataset.keywords
    with session.begin():
        second = enrich_dataset(session, dataset, context)
    assert second.changes == 0
    with session.begin():
        update_dataset(session, dataset, category="statistics")
        enrich_dataset(session, dataset, context)
    assert dataset.category == "statistics"
    assert (None, "category") not in _records(session, dataset)  # now given, not inferred


def test_spatial_coverage_from_the_department_and_a_narrower_title(session, context):
    with session.begin():
        county = _dataset(session, "农机补贴名单", department="百色市田阳区农业农村局")
        narrower = _dataset(session, "青秀区公交站点", department="南宁市交通运输局")
        region = _dataset(session, "全区高速公路收费站", department="广西壮族自治区交通运输厅")
        for dataset in (county, narrower, region):
            enrich_dataset(session, dataset, context)
    assert county.spatial == divisions.division_for_text("田阳区").notation
    assert narrower.spatial == divisions.division_for_text("南宁市青秀区").notation
    assert region.spatial == divisions.REGION_CODE
    record = _records(session, narrower)[(None, "spatial")]
    assert record.source == "title: 青秀区公交站点" and record.rule.startswith(
        "division-named: 青秀区"
    )


def test_keywords_from_title_and_description_only_when_none_were_given(session, context):
    with session.begin():
        inferred = _dataset(
            session,
            "南宁市公交车站点信息",
            description="南宁市公交车站点的名称、经纬度和途经线路，供出行服务使用。",
        )
        given = _dataset(session, "柳州市公交线路", keywords=["公交"])
        enrich_dataset(session, inferred, context)
        enrich_dataset(session, given, context)
    assert 1 <= len(inferred.keywords) <= 5
    assert "公交" in "".join(inferred.keywords) and "数据" not in inferred.keywords
    assert _records(session, inferred)[(None, "keywords")].rule == "jieba-tfidf: 5"
    assert given.keywords == ["公交"]


def test_formats_normalised_and_corrected_by_content(session, services, context):
    with session.begin():
        dataset = _dataset(session, "南宁市公交站点客流")
        named = attach_distribution(
            session, dataset, title="客流统计", access_url="https://data.gxzf.gov.cn/"
        )
        named.format = "Excel XLS"  # as a harvester may write it: a label, not the notation
        disguised = store_file(
            session,
            services.files,
            dataset,
            file_name="站点.xls",
            stream=io.BytesIO(_xlsx(TABLE)),
            max_bytes=10_000_000,
        )
        assert disguised.format == "XLS"  # from its name
        enrich_dataset(session, dataset, context, only=("format",))
    assert named.format == "XLS"
    assert disguised.format == "XLSX"
    records = _records(session, dataset)
    assert records[(named.id, "format")].given == "Excel XLS"
    assert records[(disguised.id, "format")].given == "XLS"
    assert records[(disguised.id, "format")].source.startswith("content: Office Open XML")
    assert named.media_type == "application/vnd.ms-excel"


def test_spreadsheets_get_csv_json_and_turtle_derivatives(session, services, context):
    with session.begin():
        dataset = _dataset(session, "青秀区公交站点客流")
        source = store_file(
            session,
            services.files,
            dataset,
            file_name="客流.xlsx",
            stream=io.BytesIO(_xlsx(TABLE)),
            max_bytes=10_000_000,
        )
        enrich_dataset(session, dataset, context)
    by_format = {d.format: d for d in dataset.distributions}
    assert set(by_format) == {"XLSX", "CSV", "JSON", "RDF_TURTLE"}
    derivations = {
        d.distribution_id: d
        for d in session.scalars(select(Derivation).where(Derivation.source_id.is_not(None)))
    }
    csv_file, json_file, turtle = by_format["CSV"], by_format["JSON"], by_format["RDF_TURTLE"]
    assert derivations[csv_file.id].source_id == source.id
    assert derivations[json_file.id].source_id == source.id
    assert derivations[turtle.id].source_id == csv_file.id  # XLSX → CSV → Turtle
    assert derivations[csv_file.id].source_sha256 == source.sha256
    assert dataset.distributions[0] is source and source.format == "XLSX"  # never replaced

    text = services.files.path(csv_file.stored_file).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == TABLE[0] and len(rows) == 121
    assert rows[1] == ["1", "青秀区第1号公交站", "2024-01-02", "1.5", "false"]
    records = json.loads(services.files.path(json_file.stored_file).read_text(encoding="utf-8"))
    assert len(records) == 120
    assert records[1] == {
        "编号": 2,
        "站点": "青秀区第2号公交站",
        "日期": "2024-01-03",
        "客流": 3,
        "开放": True,
    }

    graph = Graph().parse(services.files.path(turtle.stored_file), format="turtle")
    assert len(list(graph.subjects(ns.RDF.type, ns.CSVW.Row))) == 120
    table = next(graph.subjects(ns.RDF.type, ns.CSVW.Table))
    csv_url = graph.value(table, ns.CSVW.url)
    assert str(csv_url).endswith(f"/resource/{csv_file.id}/download/%E5%AE%A2%E6%B5%81.csv")
    group = next(graph.subjects(ns.RDF.type, ns.CSVW.TableGroup))
    assert graph.value(group, ns.PROV.wasDerivedFrom) == csv_url
    row = next(r for r in graph.subjects(ns.CSVW.rownum, Literal(1)))
    assert graph.value(row, ns.CSVW.url) == URIRef(f"{csv_url}#row=2")
    cells = graph.value(row, ns.CSVW.describes)
    assert graph.value(cells, URIRef(f"{csv_url}#%E7%BC%96%E5%8F%B7")) == Literal(
        1, datatype=ns.XSD.integer
    )
    day = graph.value(cells, URIRef(f"{csv_url}#%E6%97%A5%E6%9C%9F"))
    assert day == Literal("2024-01-02", datatype=ns.XSD.date)
    assert graph.value(cells, URIRef(f"{csv_url}#%E5%BC%80%E6%94%BE")) == Literal(False)

    rows_record = _records(session, dataset)[(source.id, "row_count")]
    assert rows_record.value == 120 and dataset.record_count == 120


def test_derivatives_follow_their_source(session, services, context):
    with session.begin():
        dataset = _dataset(session, "公交站点客流（按月）")
        source = store_file(
            session,
            services.files,
            dataset,
            file_name="客流.xlsx",
            stream=io.BytesIO(_xlsx(TABLE[:50])),
            max_bytes=10_000_000,
        )
        enrich_dataset(session, dataset, context)
    derived_csv = next(d for d in dataset.distributions if d.format == "CSV")
    first_sha = derived_csv.sha256
    with session.begin():
        assert enrich_dataset(session, dataset, context, only=("derivatives",)).changes == 0
    with session.begin():  # the publisher uploads a new version of the spreadsheet
        stored = services.files.put(io.BytesIO(_xlsx(TABLE[:80])), max_bytes=10_000_000)
        source.stored_file, source.sha256, source.byte_size = stored.key, stored.sha256, stored.size
        enrich_dataset(session, dataset, context)
    assert derived_csv.sha256 != first_sha
    text = services.files.path(derived_csv.stored_file).read_text(encoding="utf-8")
    assert len(text.strip().splitlines()) == 80
    assert len(dataset.distributions) == 4  # remade in place, not added again
    with session.begin():
        dataset.distributions.remove(source)
        session.flush()
        enrich_dataset(session, dataset, context)
    assert dataset.distributions == []  # its CSV and JSON went with it, and the CSV's Turtle
    assert session.scalars(select(Derivation)).all() == []
