"""Browsing in a real browser: the department filter filters as one types, and the browsing
pages fit a phone."""

from __future__ import annotations

import pytest
from browsers import BROWSER_MARKS, launch_chromium

pytestmark = BROWSER_MARKS

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def page():
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 800})
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def test_department_filter_as_one_types(page, live_server):
    page.goto(f"{live_server}/organization")
    items = page.locator("[data-filter-item]")
    total = items.count()
    page.fill("#department-filter", "柳州")
    visible = page.locator("[data-filter-item]:visible")
    assert 0 < visible.count() < total
    assert page.locator("section.division-group:visible h2").first.inner_text().startswith("柳州")


@pytest.mark.parametrize("path", ["/organization", "/topic", "/dataset?page=5"])
def test_browsing_pages_fit_a_phone(page, live_server, path):
    page.goto(f"{live_server}{path}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, path
