"""A citizen in a real browser (Debian's chromium, driven by Playwright): search, narrow by a
facet, open a dataset, preview and download a file."""

from __future__ import annotations

import pytest
from browsers import BROWSER_MARKS, launch_chromium, screenshot

pytestmark = BROWSER_MARKS

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_search_narrow_open_preview_download(page, live_server, tmp_path):
    page.goto(live_server + "/")
    screenshot(page, "home")
    page.get_by_label("检索数据集").fill("世界")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dataset?q=*")
    assert "个数据集" in page.locator(".result-count").inner_text()
    screenshot(page, "search")

    page.locator('[data-facet="format"] a', has_text="CSV").first.click()
    page.wait_for_url("**format=CSV**")
    assert page.locator('[data-facet="format"] a.chosen').count() == 1

    page.get_by_role("link", name="世界各国和地区人口数").first.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "世界各国和地区人口数"
    screenshot(page, "dataset")

    page.get_by_role("link", name="预览").first.click()
    page.wait_for_selector("table.preview")
    assert page.locator("table.preview tbody tr").count() == 100
    screenshot(page, "preview")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载").first.click()
    download = download_info.value
    assert download.suggested_filename == "population.csv"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.read_text(encoding="utf-8").startswith("Country Name")


def test_keyboard_reaches_the_search_box_and_english_works(page, live_server):
    page.goto(live_server + "/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.set_viewport_size({"width": 390, "height": 800})  # a phone
    page.goto(live_server + "/dataset?q=%E6%B0%94%E8%B1%A1")
    assert page.locator(".dataset-item").count() > 0
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # no sideways scrolling on a phone
    screenshot(page, "phone-search")
    page.goto(live_server + "/?lang=zh")


def test_sparql_form_runs_an_example_query(page, live_server):
    page.goto(live_server + "/sparql")
    assert page.locator("h1").inner_text() == "SPARQL 查询"
    assert "各部门发布的数据集数量" in page.locator(".sparql-example summary").first.inner_text()
    screenshot(page, "sparql-form")
    page.get_by_role("button", name="执行查询").click()
    page.wait_for_load_state()
    body = page.locator("body").inner_text()
    assert '"bindings"' in body and "数据集数" in body


def test_rest_api_page_links_to_live_answers(page, live_server):
    page.goto(live_server + "/api/v1/docs")
    assert "/api/v1/datasets" in page.locator("main").inner_text()
    screenshot(page, "rest-api-docs")
    page.get_by_role("link", name="试一试").first.click()
    page.wait_for_load_state()
    assert '"results"' in page.locator("body").inner_text()


def test_openness_page_draws_its_charts_and_reads_without_javascript(browser, page, live_server):
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "favicon" not in (message.location or {}).get("url", "")
            else None
        ),
    )
    page.goto(live_server + "/stats/openness")
    page.wait_for_selector("#chart-departments[data-drawn]")
    assert page.locator("[data-drawn]").count() == 5
    assert page.locator("#chart-quarters canvas").count() >= 1
    assert page.locator('table[data-table="departments"] tbody tr').count() > 100
    assert page.locator("h1").inner_text() == "开放程度与数据质量"
    assert problems == []  # no script error, no Content-Security-Policy refusal
    screenshot(page, "openness")

    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    plain = context.new_page()
    plain.goto(live_server + "/stats/openness")
    assert plain.locator("[data-drawn]").count() == 0
    rows = plain.locator('table[data-table="category"] tbody tr')
    assert rows.count() >= 10
    assert any("交通和基础设施" in text for text in rows.all_inner_texts())
    context.close()
