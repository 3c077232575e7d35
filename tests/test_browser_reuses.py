"""A reuse in a real browser (Debian's chromium, driven by Playwright): a competition team
signs in, registers its application with a screenshot and two datasets (one found with the
form's search, one typed with the version used), sees it waiting in its account; an
administrator approves it from the queue; the reuse page then shows the data sources panel,
whose copy button puts the statement on the clipboard, naming each dataset, its department,
its contact and the version."""

from __future__ import annotations

from typing import Any

import pytest
from browser_signing_in import sign_in_browser
from browsers import BROWSER_MARKS, launch_chromium, screenshot, serving
from PIL import Image
from sqlalchemy import select
from test_reuses import World, world  # noqa: F401 - the fixture

from catalog.models import Dataset
from catalog.reuses.models import APPROVED, Reuse

pytestmark = BROWSER_MARKS

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture
def chromium():
    with sync_api.sync_playwright() as playwright:
        found = launch_chromium(playwright)
        yield found
        found.close()


def _window(browser: Any) -> Any:
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 1280, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _screenshot_file(tmp_path) -> str:
    path = tmp_path / "截图.png"
    image = Image.new("RGB", (320, 200), "white")
    image.paste(Image.new("RGB", (100, 60), "green"), (20, 20))
    image.save(path, format="PNG")
    return str(path)


def test_a_team_registers_a_reuse_and_pastes_its_sources(
    app,
    world: World,  # noqa: F811 - the fixture
    chromium,
    tmp_path,
):
    with app.extensions["gxdata"].session_factory() as db:
        air_slug = db.get(Dataset, world.air).slug
        bus_slug = db.get(Dataset, world.buses).slug
    with serving(app) as url:
        team = _window(chromium)
        admin = _window(chromium)
        sign_in_browser(app, team.context, url, "team@example.com")
        sign_in_browser(app, admin.context, url, "admin@example.com")  # world made it admin

        # --- the team registers its application -------------------------------------------
        team.goto(url + "/reuses")
        team.get_by_role("link", name="登记应用成果").first.click()
        team.get_by_label("类型").select_option("application")
        team.get_by_label("名称", exact=True).fill("南宁公交到站提醒")
        team.get_by_label("团队或作者").fill("邕城数据队")
        team.get_by_label("描述").fill("用公交站点数据做的到站提醒小程序。")
        team.get_by_label("网址").fill("https://example.com/bus")
        team.get_by_label("数据集 1", exact=True).fill(world.buses)
        team.get_by_label("版本号（选填） 1").fill("2")
        team.get_by_label("按名称查找数据集").fill("空气")
        team.get_by_role("button", name="检索").click()
        team.get_by_label("广西空气质量日报").check()
        # the script's suggestions fill an empty row (the same dataset again: counted once)
        team.get_by_label("按名称查找数据集").fill("公交")
        team.get_by_role("button", name="南宁市公交车站点信息 · 南宁市交通运输局").click()
        assert team.get_by_label("数据集 2", exact=True).input_value() == bus_slug
        assert team.get_by_label("名称", exact=True).input_value() == "南宁公交到站提醒"
        team.set_input_files("#image", _screenshot_file(tmp_path))
        team.get_by_role("button", name="提交登记").click()
        team.get_by_text("等待管理员审核").first.wait_for()
        assert "等待审核" in team.locator("table").inner_text()
        screenshot(team, "reuse-registered")

        with app.extensions["gxdata"].session_factory() as db:
            reuse = db.scalar(select(Reuse))
            assert reuse is not None and reuse.image_type == "image/png"
            assert [u.dataset_id for u in reuse.uses] == [world.buses, world.air]
            slug = reuse.slug

        # --- the administrator approves it ------------------------------------------------
        admin.goto(url + "/admin/reuses")
        admin.get_by_role("heading", name="南宁公交到站提醒").wait_for()
        admin.get_by_role("button", name="批准", exact=True).click()
        admin.get_by_text("应用成果已审核通过并公开").wait_for()
        with app.extensions["gxdata"].session_factory() as db:
            assert db.scalar(select(Reuse.state)) == APPROVED

        # --- the reuse page: the sources, copied ------------------------------------------
        team.goto(url + f"/reuses/{slug}")
        panel = team.locator("#provenance")
        panel.get_by_role("heading", name="数据来源", exact=True).wait_for()
        assert team.locator("img.reuse-image").evaluate("i => i.naturalWidth") == 320
        shown = team.locator("#provenance-zh").inner_text()
        copy = panel.get_by_role("button", name="复制").first
        copy.click()
        team.get_by_role("button", name="已复制").first.wait_for()
        pasted = team.evaluate("navigator.clipboard.readText()")
        assert pasted.strip() == shown.strip()
        for expected in (
            "南宁市公交车站点信息", "南宁市交通运输局", "信息科", "0771-5551234",
            "xxk@nnjt.gov.cn", "第 2 版", f"/dataset/{world.buses}/versions/2",
            "广西空气质量日报", "广西壮族自治区生态环境厅", "监测处", "版本：第 1 版",
            f"/dataset/{world.air}/versions/1",
        ):  # fmt: skip
            assert expected in pasted, expected
        english = team.locator("#provenance-en").inner_text()
        assert "Nanning Transport Bureau" in english and "version 2" in english
        screenshot(team, "reuse-page")

        # --- and the dataset page counts it -----------------------------------------------
        team.goto(url + f"/dataset/{air_slug}")
        block = team.locator("#reuses")
        assert "1" in block.locator(".count").inner_text()
        block.get_by_role("link", name="南宁公交到站提醒").wait_for()
        team.context.close()
        admin.context.close()
