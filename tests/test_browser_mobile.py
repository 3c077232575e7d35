"""A phone (390 px wide, chromium): every kind of page fits the screen, with no sideways
scrolling of the whole page (wide tables scroll inside their own box)."""

from __future__ import annotations

import os

import pytest
from browsers import ARTIFACTS, BROWSER_MARKS, launch_chromium, screenshot

pytestmark = BROWSER_MARKS

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

PHONE = {"width": 390, "height": 844}


def page_types(client) -> dict[str, str]:
    """One address of every kind of page of the demo."""
    found = client.get("/api/v1/datasets?q=世界各国和地区人口数&limit=1").get_json()
    dataset = found["results"][0]
    slug = dataset["id"]
    resource = client.get(f"/api/v1/datasets/{slug}/distributions").get_json()["results"][0]["id"]
    department = client.get("/api/v1/departments").get_json()["results"][0]["slug"]
    return {
        "home": "/",
        "search": "/dataset?q=%E6%B0%94%E8%B1%A1",
        "dataset": f"/dataset/{slug}",
        "resource": f"/dataset/{slug}/resource/{resource}",
        "validation": f"/dataset/{slug}/resource/{resource}/validation",
        "departments": "/organization",
        "department": f"/organization/{department}",
        "categories": "/category",
        "category": "/category/health",
        "openness": "/stats/openness",
        "catalog": "/catalog",
        "api-docs": "/api/v1/docs",
        "sparql": "/sparql",
        "vocabularies": "/vocab",
        "vocabulary": "/vocab/categories",
        "concept": "/vocab/categories/health",
        "ns": "/ns",
        "about": "/about",
        "not-found": "/no-such-page",
    }


@pytest.fixture(scope="module")
def phone():
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def test_every_page_type_fits_a_phone(phone, live_server, demo_client):
    too_wide = {}
    for name, path in page_types(demo_client).items():
        response = phone.goto(live_server + path)
        assert response is not None
        assert response.status < 500, (name, path, response.status)
        if name != "not-found":
            assert response.status == 200, (name, path, response.status)
        phone.wait_for_load_state("load")
        width = phone.evaluate("document.documentElement.scrollWidth")
        inner = phone.evaluate("window.innerWidth")
        screenshot(phone, f"phone-{name}")
        if width > inner:
            too_wide[name] = width
    assert too_wide == {}, f"wider than the {PHONE['width']} px screen: {too_wide}"


def test_the_search_filters_come_before_the_results_on_a_phone(phone, live_server):
    phone.goto(live_server + "/dataset?q=%E6%B0%94%E8%B1%A1")
    filters = phone.locator("details.filters")
    assert filters.count() == 1
    assert phone.evaluate(
        "document.querySelector('details.filters').getBoundingClientRect().top"
        " < document.querySelector('.dataset-item').getBoundingClientRect().top"
    )
    filters.locator("summary").click()
    assert phone.locator('details.filters [data-facet="format"]').first.is_visible()


def test_the_chart_legends_sit_below_the_charts_on_a_phone(phone, live_server):
    phone.goto(live_server + "/stats/openness")
    phone.wait_for_selector("#chart-quarters[data-drawn]")
    legend = phone.evaluate(
        "echarts.getInstanceByDom(document.getElementById('chart-quarters')).getOption().legend[0]"
    )
    assert legend["bottom"] == 0 and legend["type"] == "scroll"
    if os.environ.get("GXDATA_SCREENSHOTS"):
        phone.locator("#chart-quarters").screenshot(path=str(ARTIFACTS / "phone-chart.png"))
