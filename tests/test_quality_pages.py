"""The quality pages and commands, in Chinese and English."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.models import Dataset
from catalog.quality.models import Job, ValidationReport
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.departments import get_or_create_department
from catalog.services.distributions import attach_distribution, store_file
from portal.views.quality import CSV_COLUMNS

FIXTURES = Path(__file__).with_name("fixtures") / "frictionless"
ROWS = [f"{n},第{n}号站点,{n * 7}" for n in range(1, 130)]
ROWS[110] = "111,第111号站点,暂无"  # row 112: after the 100 rows the types are inferred from
CSV = ("编号,名称,人口\n" + "\n".join(ROWS) + "\n").encode()
# Both files link one unreachable address with a path: a URL without one is a page, not a file.
UNREACHABLE_FILE = "http://127.0.0.1:9/download"


@pytest.fixture
def catalog(app, session, services, runner):
    """Two published datasets, validated and enriched by the worker (network off)."""
    with session.begin():
        department = get_or_create_department(session, "南宁市交通运输局", phone="0771-1")
        dataset = create_dataset(
            session, title="南宁市公交车站点客流", department=department, description="客流"
        )
        table = store_file(
            session,
            services.files,
            dataset,
            file_name="客流.csv",
            stream=io.BytesIO(CSV),
            max_bytes=100_000,
        )
        attach_distribution(session, dataset, title="说明.pdf", access_url=UNREACHABLE_FILE)
        publish_dataset(session, dataset)
        other = create_dataset(session, title="柳州市气象站点", department=department)
        attach_distribution(session, other, title="站点.xls", access_url=UNREACHABLE_FILE)
        publish_dataset(session, other)
    result = runner.invoke(args=["worker", "--once", "--no-network"])
    assert result.exit_code == 0, result.output
    return {"dataset": dataset, "table": table, "other": other}


def test_openness_page_in_chinese_and_english(client, catalog):
    html = client.get("/stats/openness").get_data(as_text=True)
    assert "开放程度与数据质量" in html and "南宁市交通运输局" in html
    assert '<td class="advice">注明更新频率；' in html
    assert '<table class="stats" data-table="departments">' in html
    assert 'src="/static/vendor/echarts/echarts.common.min.js"' in html
    assert not re.search(r'<script[^>]+src="https?://', html)  # no CDN
    data = json.loads(re.search(r'id="openness-data">(.*?)</script>', html, re.S).group(1))
    assert data["labels"]["mr"] == "机器可读"
    assert len(data["departments"]["counts"]) == 10
    english = client.get("/stats/openness?lang=en").get_data(as_text=True)
    assert "Openness and data quality" in english and "Meets the line" in english
    client.get("/?lang=zh")
    assert client.get("/static/vendor/echarts/echarts.common.min.js").status_code == 200


def test_openness_as_json_and_csv(client, catalog):
    data = client.get("/stats/openness.json").get_json()
    assert data["catalog"]["datasets"] == 2
    assert data["catalog"]["distributions"] == 4  # CSV, its Turtle, PDF; XLS
    department = data["departments"][0]
    assert department["name"] == "南宁市交通运输局" and department["dqi_meets_target"] is False
    assert department["dqi_advice"][0] == "declare-frequency"  # neither dataset says how often
    assert department["dqi_weakest"] == "timeliness"
    assert data["target"] == 80
    for key in ("machine_readable_datasets_ratio", "mqa_mean", "dqi_mean", "dqi_validity"):
        assert key in data["catalog"]
    response = client.get("/stats/openness.csv")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert rows[0]["scope"] == "catalog" and rows[0]["datasets"] == "2"
    assert any(r["name"] == "南宁市交通运输局" for r in rows)


def test_dataset_page_shows_validation_scores_and_inferred_metadata(client, catalog):
    dataset = catalog["dataset"]
    html = client.get(f"/dataset/{dataset.slug}").get_data(as_text=True)
    assert "错误 1 处" in html  # the CSV's badge
    assert f"/dataset/{dataset.slug}/resource/{catalog['table'].id}/validation" in html
    assert "由 客流.csv 转换" in html  # its Turtle derivative
    assert "元数据质量评分" in html and "数据质量指数" in html
    assert 'data-inferred="category"' in html and "交通和基础设施" in html
    assert "依据 数据集名称 南宁市公交车站点客流；" not in html  # kinds are translated, not raw
    assert "规则: 类别关键词规则 category_rules.ttl department/transport “交通运输”" in html
    assert 'data-inferred="keywords"' in html
    assert "如何提高评分" in html
    assert "datapackage.json" in html


def test_validation_report_page_explains_errors_in_chinese(client, catalog):
    url = f"/dataset/{catalog['dataset'].slug}/resource/{catalog['table'].id}/validation"
    html = client.get(url).get_data(as_text=True)
    assert "第 112 行第 3 列（人口）：“暂无”不是整数类型。" in html
    assert "类型不符" in html and "根据前若干行推断" in html
    english = client.get(url + "?lang=en").get_data(as_text=True)
    assert "Row 112, column 3 (人口): “暂无” is not of type whole number." in english
    client.get("/?lang=zh")
    pdf = next(d for d in catalog["dataset"].distributions if d.format == "PDF")
    assert (
        client.get(f"/dataset/{catalog['dataset'].slug}/resource/{pdf.id}/validation").status_code
        == 404
    )
    assert client.get("/dataset/no-such/datapackage.json").status_code == 404


def test_datapackage_endpoint(client, catalog):
    package = client.get(f"/dataset/{catalog['dataset'].slug}/datapackage.json").get_json()
    formats = [r.get("format") for r in package["resources"]]
    assert formats[:2] == ["csv", "pdf"] and "ttl" in formats
    assert package["resources"][0]["schema"]["fields"][0]["name"] == "编号"


def test_demo_pages_show_figures_and_unvalidated_files(demo_client, demo_app):
    html = demo_client.get("/stats/openness").get_data(as_text=True)
    assert "<td>1055</td>" in html
    data = demo_client.get("/stats/openness.json").get_json()
    assert data["catalog"]["datasets"] == 1055
    assert data["catalog"]["rdf_datasets_ratio"] > 0.9  # the source published RDF/XML files
    assert [q["method"] for q in data["quarters"]][:1] == ["reconstructed"]
    with demo_app.extensions["gxdata"].session_factory() as session:
        assert session.scalars(select(ValidationReport)).first() is None
        assert session.scalar(select(Job).where(Job.kind == "validate")) is not None
        slug = session.scalar(select(Dataset.slug).where(Dataset.title == "世界各国和地区人口数"))
    dataset_html = demo_client.get(f"/dataset/{slug}").get_data(as_text=True)
    assert "尚未校验" in dataset_html


# --- commands ---------------------------------------------------------------------------


def test_validate_a_file_prints_its_errors_and_fails(runner):
    result = runner.invoke(args=["validate", str(FIXTURES / "capital-invalid.csv")])
    assert result.exit_code == 1
    assert "INVALID" in result.output and "type-error row 12 field 1" in result.output
    valid = runner.invoke(args=["validate", "--json", str(FIXTURES / "capital-valid.csv")])
    assert valid.exit_code == 0 and json.loads(valid.output)["valid"] is True
    frictionless = runner.invoke(
        args=["validate", "--engine", "frictionless", str(FIXTURES / "capital-invalid.csv")]
    )
    assert "engine frictionless" in frictionless.output
    assert runner.invoke(args=["validate"]).exit_code == 2


def test_validate_a_dataset_stores_its_reports(runner, session, services):
    with session.begin():
        department = get_or_create_department(session, "南宁市统计局")
        dataset = create_dataset(session, title="南宁市人口", department=department)
        store_file(
            session,
            services.files,
            dataset,
            file_name="人口.csv",
            stream=io.BytesIO(CSV),
            max_bytes=100_000,
        )
    result = runner.invoke(args=["validate", dataset.slug])
    assert result.exit_code == 1 and "人口.csv: INVALID (1)" in result.output
    assert session.scalar(select(ValidationReport.error_count)) == 1
    pending = runner.invoke(args=["validate", "--pending"])
    assert "validation jobs run: 1" in pending.output
    assert runner.invoke(args=["validate", "no-such-dataset"]).exit_code == 2


def test_enrich_check_links_and_stats_commands(runner, catalog):
    enriched = runner.invoke(args=["enrich", "--all"])
    assert enriched.exit_code == 0 and "enriched 2 datasets" in enriched.output
    one = runner.invoke(args=["enrich", catalog["other"].slug, "--step", "category"])
    assert "柳州市气象站点" in one.output
    offline = runner.invoke(args=["check-links", "--all", "--no-network"])
    assert "network disabled: 1 URLs not checked" in offline.output
    shown = runner.invoke(args=["stats", "show"])
    assert shown.exit_code == 0 and "datasets 2, distributions 4" in shown.output
    assert "data quality index mean" in shown.output
    as_json = json.loads(runner.invoke(args=["stats", "show", "--json"]).output)
    assert as_json["catalog"]["datasets"] == 2
    kept = runner.invoke(args=["stats", "snapshot", "--quarter", "2025q4"])
    assert "snapshot 2025Q4:" in kept.output
    assert runner.invoke(args=["stats", "snapshot", "--quarter", "2025-4"]).exit_code == 2


@pytest.mark.network
def test_check_links_reports_an_unreachable_server_quickly(runner, session):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    with session.begin():
        department = get_or_create_department(session, "南宁市统计局")
        dataset = create_dataset(session, title="南宁市人口", department=department)
        attach_distribution(session, dataset, title="人口.csv", access_url=url)
    result = runner.invoke(args=["check-links", dataset.slug, "--timeout", "1"])
    assert result.exit_code == 0
    assert "unreachable" in result.output and "checked 1 of 1 URLs" in result.output
