"""The openness figures are computed in the background and served stored."""

from __future__ import annotations

from catalog.quality.stored_figures import FiguresRefresher, load
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.departments import get_or_create_department


def _add(session, title):
    with session.begin():
        department = get_or_create_department(session, "南宁市统计局")
        publish_dataset(session, create_dataset(session, title=title, department=department))


def test_page_serves_stored_figures_and_never_computes_them(app, client, session):
    _add(session, "南宁市人口统计")
    refresher = app.extensions["gxdata_quality"].refresher
    assert refresher.refresh() is True  # none stored: computed at start
    assert load(refresher.path).figures.catalog.ratios.datasets == 1

    def refuse():
        raise AssertionError("a page computed the figures")

    refresher.compute = refuse
    html = client.get("/stats/openness").get_data(as_text=True)
    assert "本次计算用时" in html and "后台重新计算" in html
    assert client.get("/stats/openness.json").get_json()["catalog"]["datasets"] == 1
    _add(session, "南宁市住户调查")  # a change: the page still serves the stored figures
    assert client.get("/stats/openness.json").get_json()["catalog"]["datasets"] == 1


def test_refresher_waits_until_the_catalog_is_still(app, session):
    now = [0.0]
    factory = app.extensions["gxdata"].session_factory
    inner = app.extensions["gxdata_quality"].refresher
    refresher = FiguresRefresher(factory, inner.path, inner.compute, 30, lambda: now[0])
    assert refresher.refresh() is True
    assert refresher.refresh() is False  # nothing changed
    _add(session, "柳州市人口统计")
    assert refresher.refresh() is False  # changed: wait until it stays still
    now[0] = 20
    _add(session, "柳州市住户调查")
    assert refresher.refresh() is False  # changed again: the wait starts again
    now[0] = 45
    assert refresher.refresh() is False
    now[0] = 51
    assert refresher.refresh() is True
    assert load(refresher.path).figures.catalog.ratios.datasets == 2


def test_first_request_without_stored_figures_computes_once(app, client, session):
    _add(session, "桂林市人口统计")
    refresher = app.extensions["gxdata_quality"].refresher
    calls = []
    compute = refresher.compute

    def counted():
        calls.append(1)
        return compute()

    refresher.compute = counted
    assert client.get("/stats/openness").status_code == 200
    assert client.get("/stats/openness.csv").status_code == 200
    assert len(calls) == 1
    assert refresher.path.exists()


def test_echarts_is_the_common_build_and_only_on_the_stats_page(client):
    from pathlib import Path

    vendor = Path(__file__).parents[1] / "portal" / "static" / "vendor" / "echarts"
    assert [p.name for p in vendor.glob("*.js")] == ["echarts.common.min.js"]
    assert (vendor / "echarts.common.min.js").stat().st_size < 750_000  # the full build: 1.1 MB
    for page in ("/", "/dataset", "/organization", "/about"):
        assert "echarts" not in client.get(page).get_data(as_text=True), page
