"""The issue's walk of the data-quality loop in a real browser (Debian's chromium, driven by
Playwright): a citizen, not signed in, reports a wrong value in a file from the dataset page
and lands on the secret link; the department's publisher finds it on the workbench, accepts
it, corrects it and publishes the correction with feedback; the citizen, back on the link,
reads the feedback and confirms the fix; the public tracker shows the report settled and no
contact. The form's signed timestamp is left at its default: the citizen takes 3 seconds."""

from __future__ import annotations

import pytest
from browser_signing_in import sign_in_browser
from browsers import BROWSER_MARKS, launch_chromium, screenshot, serving
from sqlalchemy import select
from test_browser_applications import _window
from test_feedback import world  # noqa: F401 - the fixture: departments, a dataset, a file

from catalog.accounts.models import PUBLISHER
from catalog.feedback.models import ProblemReport

pytestmark = BROWSER_MARKS

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

CONTACT = "citizen@example.cn"
FEEDBACK = "已将第3行人口数更正为 12345，并重新发布文件。"


@pytest.fixture
def chromium():
    with sync_api.sync_playwright() as playwright:
        found = launch_chromium(playwright)
        yield found
        found.close()


def test_a_citizen_reports_the_department_corrects_and_the_citizen_confirms(
    app,
    world,  # noqa: F811
    chromium,
):
    with serving(app) as url:
        citizen, staff = _window(chromium), _window(chromium)
        sign_in_browser(app, staff.context, url, "staff@tjj.example.gov.cn", PUBLISHER, "tongji")

        # --- the citizen reports from the dataset page -----------------------------------
        citizen.goto(url + "/dataset/nn-people")
        assert "未结问题：0" in citizen.locator("#feedback").inner_text()
        citizen.get_by_role("link", name="报告数据问题").click()
        citizen.wait_for_url("**/dataset/nn-people/feedback/new")
        citizen.select_option("#kind", label="数值错误")
        citizen.select_option("#distribution_id", label="人口.csv")
        citizen.fill("#row_ref", "3")
        citizen.fill("#column_ref", "人口数")
        citizen.fill("#description", "第3行人口数多了一个零。")
        citizen.fill("#contact", CONTACT)
        citizen.wait_for_timeout(3200)  # a person reads and types: the timestamp lets it pass
        citizen.get_by_role("button", name="提交报告").click()
        citizen.wait_for_url("**/follow/**")
        follow = citizen.url
        assert "已收到" in citizen.locator("main").inner_text()
        screenshot(citizen, "feedback-reported")
        with app.extensions["gxdata"].session_factory() as db:
            reference = db.scalar(select(ProblemReport.reference))

        # --- the department handles it on the workbench ----------------------------------
        staff.goto(url + "/workbench/feedback")
        staff.get_by_role("link", name=reference).click()
        staff.wait_for_url(f"**/workbench/feedback/{reference}")
        assert CONTACT not in staff.locator("main").inner_text()
        staff.get_by_role("button", name="受理").click()
        staff.wait_for_selector("text=部门已受理")
        staff.get_by_role("button", name="开始整改").click()
        staff.wait_for_selector("#note-publish")
        staff.fill("#note-publish", FEEDBACK)
        staff.get_by_role("button", name="发布整改").click()
        staff.wait_for_selector(".state-published")
        screenshot(staff, "feedback-published")

        # --- the citizen reads the feedback and confirms ---------------------------------
        citizen.goto(follow)
        assert FEEDBACK in citizen.locator("main").inner_text()
        citizen.get_by_role("button", name="确认已解决").click()
        citizen.wait_for_selector(".state-confirmed")
        assert "报告人确认已解决" in citizen.locator("main").inner_text()

        # --- the public tracker: settled, no contact -------------------------------------
        public = _window(chromium)
        public.goto(url + "/dataset/nn-people/feedback")
        tracker = public.locator("main").inner_text()
        assert reference in tracker and "已确认解决" in tracker and CONTACT not in tracker
        public.goto(url + "/dataset/nn-people")
        assert "未结问题：0" in public.locator("#feedback").inner_text()
