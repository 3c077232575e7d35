"""``/stats``: the quarterly figures (按季度统计公布) as a page with charts and tables, and as
CSV, JSON and an RDF Data Cube in Turtle at ``/stats/quarterly/<quarter>.{csv,json,ttl}``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from catalog.db import utcnow
from catalog.errors import InvalidValue
from catalog.stats.quarterly import published_quarters, values_of
from catalog.stats.quarters import current
from exports.datacube import to_turtle
from exports.quarterly import to_csv, to_json
from portal.db import get_session
from portal.stats import figures_for, stats_services

bp = Blueprint("stats", __name__)

DOWNLOADS = {
    "csv": ("text/csv; charset=utf-8", to_csv),
    "json": ("application/json", to_json),
    "ttl": ("text/turtle; charset=utf-8", None),
}
CHARTS = (  # (chart id, measures drawn per city)
    ("chart-catalog", ("datasets", "files")),
    ("chart-use", ("downloads", "api_calls", "page_views")),
    ("chart-applications", ("applications_made", "applications_approved",
                            "applications_rejected", "applications_overdue")),
    ("chart-ratios", ("machine_readable_ratio", "non_proprietary_ratio", "rdf_ratio")),
)  # fmt: skip


@bp.get("/stats")
def quarterly() -> tuple[str, int]:
    code = (request.args.get("quarter") or current(utcnow()).code).strip().upper()
    error = None
    try:
        figures = figures_for(code)
    except InvalidValue as problem:
        error = _("No figures for this quarter: %(quarter)s.", quarter=code[:10])
        if problem.code == "future-quarter":
            error = _("The quarter %(quarter)s has not begun.", quarter=code[:10])
        figures = figures_for(current(utcnow()).code)
    quarters = published_quarters(get_session(), first=stats_services().first_quarter)
    lang = "en" if str(get_locale()) == "en" else "zh"
    return render_template(
        "stats/quarterly.html",
        figures=figures,
        quarters=quarters,
        error=error,
        lang=lang,
        platform=values_of(figures, "platform"),
        cities=values_of(figures, "city"),
        departments=values_of(figures, "department"),
        chart_data=_chart_data(figures, lang),
    ), (400 if error else 200)


@bp.get("/stats/quarterly/<quarter>.<fmt>")
def download(quarter: str, fmt: str) -> Response:
    if fmt not in DOWNLOADS:
        abort(404)
    try:
        figures = figures_for(quarter)
    except InvalidValue:
        abort(404)
    media_type, writer = DOWNLOADS[fmt]
    body = writer(figures) if writer else to_turtle(figures, current_app.config["BASE_URL"])
    name = f"gxdata-stats-{figures['quarter']}.{fmt}"
    return Response(
        body, content_type=media_type, headers={"Content-Disposition": f"inline; filename={name}"}
    )


def _chart_data(figures: dict[str, Any], lang: str) -> dict[str, Any]:
    """What quarterly.js draws; the tables of the page show the same figures."""
    measures = {m["code"]: m for m in figures["measures"]}
    cities = values_of(figures, "city")
    names = [(r["name_en"] if lang == "en" else r["name"]) or r["key"] for r in cities]
    charts = {}
    for chart, codes in CHARTS:
        series = []
        for code in codes:
            measure = measures.get(code)
            if measure is None or not measure["measured"]:
                continue
            scale = 100 if measure["unit"] == "ratio" else 1
            data = [_scaled(r["values"].get(code), scale) for r in cities]
            if not any(data):
                continue  # nothing to draw: the table says 0
            series.append(
                {
                    "name": measure["label_en"] if lang == "en" else measure["label_zh"],
                    "data": data,
                }
            )
        charts[chart] = {"names": names, "series": series, "percent": chart == "chart-ratios"}
    return {"charts": charts}


def _scaled(value: Any, scale: int) -> float | None:
    return None if value is None else round(float(value) * scale, 2)
