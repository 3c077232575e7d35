"""Every public page of the demo catalog, in Chinese and English, and bad input."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from catalog.models import Dataset


def _slug(demo_app, title):
    with demo_app.extensions["gxdata"].session_factory() as session:
        return session.scalar(select(Dataset.slug).where(Dataset.title == title))


def test_home_in_chinese_by_default(demo_client):
    page = demo_client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="zh-Hans">' in html
    assert "广西公共数据开放平台" in html
    for label in (
        "企业法人",
        "金融和税收",
        "人口资源",
        "地理空间",
        "医疗卫生",
        "统计",
        "社会信用",
        "交通和基础设施",
        "能源环境",
        "气象",
    ):
        assert label in html
    assert re.search(r"<strong>10\d\d</strong>", html)  # about 1,050 public datasets


def test_english_switch_is_remembered(demo_client):
    page = demo_client.get("/?lang=en")
    assert '<html lang="en">' in page.get_data(as_text=True)
    assert "Guangxi Public Data Portal" in page.get_data(as_text=True)
    assert "gxdata_lang=en" in page.headers.get("Set-Cookie", "")
    again = demo_client.get("/dataset")
    assert '<html lang="en">' in again.get_data(as_text=True)
    demo_client.get("/?lang=zh")


def test_search_page_finds_chinese_words_with_facets(demo_client):
    html = demo_client.get("/dataset?q=气象").get_data(as_text=True)
    assert "<mark>" in html
    assert 'data-facet="department"' in html and 'data-facet="format"' in html
    narrowed = demo_client.get("/dataset?q=气象&format=CSV&category=meteorology").get_data(
        as_text=True
    )
    assert "✓" in narrowed


@pytest.mark.parametrize("query", ["", "((((", "*", '"', "AND OR NOT", "公" * 5000, "%00<script>"])
def test_odd_searches_never_fail(demo_client, query):
    page = demo_client.get("/dataset", query_string={"q": query})
    assert page.status_code == 200
    assert "<script>" not in page.get_data(as_text=True).split("</header>", 1)[1].replace(
        "<script src", ""
    )


@pytest.mark.parametrize(
    "args",
    [
        {"page": "99999"},
        {"page": "-3"},
        {"page": "abc"},
        {"per_page": "100000"},
        {"sort": "nonsense"},
        {"category": "no-such"},
    ],
)
def test_absurd_paging_and_filters_give_a_page(demo_client, args):
    assert demo_client.get("/dataset", query_string=args).status_code == 200


def test_dataset_page_shows_every_field(demo_app, demo_client):
    slug = _slug(demo_app, "【示例】企业纳税信用评价结果")
    html = demo_client.get(f"/dataset/{slug}").get_data(as_text=True)
    for text in (
        "纳税信用评价",
        "纳税信用等级评价结果",
        "金税三期税收管理系统",
        "有条件开放",
        "申请单位须为在广西登记的金融机构",
        "所属事项名称",
        "来源系统",
        "应用场景",
    ):
        assert text in html
    assert "/download/" not in html  # conditional files are not offered


def test_real_dataset_page_and_badges(demo_app, demo_client):
    slug = _slug(demo_app, "广西24小时雨量")
    html = demo_client.get(f"/dataset/{slug}").get_data(as_text=True)
    assert "自治区气象局" in html and "998" in html and "每天" in html
    assert "机器可读" in html and "RDF" in html
    assert "https://data.gxzf.gov.cn/" in html


def test_resource_preview_of_csv_xlsx_json(demo_app, demo_client):
    with demo_app.extensions["gxdata"].session_factory() as session:
        dataset = session.scalar(
            select(Dataset).where(Dataset.title == "广西公共数据开放平台2021年数据目录")
        )
        pages = {
            d.format: f"/dataset/{dataset.slug}/resource/{d.id}" for d in dataset.distributions
        }
    for fmt in ("CSV", "XLSX", "JSON"):
        html = demo_client.get(pages[fmt]).get_data(as_text=True)
        assert '<table class="preview">' in html, fmt
        assert "数据集名称" in html and "来源部门" in html
        assert html.count("<tr>") == 101  # header + first 100 rows


def test_department_and_category_pages(demo_app, demo_client):
    html = demo_client.get("/organization").get_data(as_text=True)
    assert "自治区气象局" in html
    with demo_app.extensions["gxdata"].session_factory() as session:
        dataset = session.scalar(select(Dataset).where(Dataset.title == "广西24小时雨量"))
        slug = dataset.department.slug
    html = demo_client.get(f"/organization/{slug}").get_data(as_text=True)
    assert "广西24小时雨量" in html
    html = demo_client.get("/category/meteorology").get_data(as_text=True)
    assert "广西24小时雨量" in html or "雨量" in html
    assert demo_client.get("/category").status_code == 200
    assert demo_client.get("/about").status_code == 200


def test_hidden_and_unknown_things_are_404_in_the_users_language(demo_app, demo_client):
    slug = _slug(demo_app, "【示例】涉密案件办理信息")
    page = demo_client.get(f"/dataset/{slug}")
    assert page.status_code == 404 and "不存在" in page.get_data(as_text=True)
    english = demo_client.get("/dataset/no-such-thing?lang=en")
    assert english.status_code == 404 and "does not exist" in english.get_data(as_text=True)
    demo_client.get("/?lang=zh")
    assert demo_client.get("/organization/nobody").status_code == 404
    assert demo_client.get("/category/nothing").status_code == 404
    results = demo_client.get("/dataset?q=涉密案件").get_data(as_text=True).split("</form>", 1)[1]
    assert "涉密案件办理信息" not in results


def test_security_headers(demo_client):
    headers = demo_client.get("/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_server_error_page_has_no_traceback(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    page = client.get("/boom")
    assert page.status_code == 500
    body = page.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body and "出错" in body
