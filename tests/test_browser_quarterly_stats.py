"""/stats in a real browser: the ECharts charts are drawn from the figures the page carries,
with no script error, and the page reads the same without JavaScript."""

from __future__ import annotations

from datetime import datetime

import pytest
from browsers import BROWSER_MARKS, launch_chromium, screenshot, serving
from playwright import sync_api

from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.departments import create_department
from catalog.services.distributions import attach_distribution

pytestmark = BROWSER_MARKS


@pytest.fixture
def portal_url(app, session):
    with session.begin():
        for n, division in enumerate(("450100", "450200", "450300")):
            department = create_department(session, f"第{n}统计局", division=division)
            dataset = create_dataset(
                session, title=f"统计{n}", department=department, open_type="unconditional",
                issued=datetime(2026, 1, 5),
            )  # fmt: skip
            attach_distribution(
                session, dataset, title=f"s{n}.csv", download_url=f"https://x.example/{n}.csv"
            )
            publish_dataset(session, dataset)
    with serving(app) as url:
        yield url


@pytest.mark.parametrize("javascript", [True, False])
def test_the_quarterly_page_draws_its_charts(portal_url, javascript):
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(java_script_enabled=javascript, locale="zh-CN")
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{portal_url}/stats?quarter=2026Q1")
            assert "季度统计" in page.title()
            table = page.locator("table[data-table='cities-title']")
            assert "南宁市" in table.inner_text() and "柳州市" in table.inner_text()
            if javascript:
                page.wait_for_selector("#chart-catalog[data-drawn='true']", timeout=10_000)
                assert page.locator("#chart-ratios canvas").count() == 1
                screenshot(page, "quarterly-stats")
            else:
                assert page.locator("[data-drawn]").count() == 0
            page.select_option("#quarter", index=0)
            page.click("form.inline-form button")
            assert "/stats?quarter=" in page.url
            assert errors == []
        finally:
            browser.close()
