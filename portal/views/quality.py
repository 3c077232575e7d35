"""Openness statistics, validation reports and data packages. Pages read stored results only:
no file is validated and no link is checked while a page is being made."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, current_app, jsonify, render_template
from flask_babel import gettext as _

from catalog import queries
from catalog.cells import safe_cell
from catalog.quality import dqi, mqa
from catalog.quality.datapackage import datapackage
from catalog.quality.facts import load_facts
from catalog.quality.figures import GroupFigures, OpennessFigures
from catalog.quality.validate import public_errors, report_for
from catalog.quality.validation import is_tabular
from portal.db import get_session, services
from portal.quality import current_figures, quality_label
from portal.templating import vocab_label

bp = Blueprint("quality", __name__)

CSV_COLUMNS = (
    "scope", "key", "name", "datasets", "distributions",
    "machine_readable_datasets_ratio", "non_proprietary_datasets_ratio", "rdf_datasets_ratio",
    "machine_readable_distributions_ratio", "non_proprietary_distributions_ratio",
    "rdf_distributions_ratio", "mqa_mean", "mqa_band", "dqi_mean", "dqi_meets_target",
    "datasets_meeting_target",
)  # fmt: skip
# The openness kinds as openness.js names its series.
CHART_KINDS = (("mr", "machine_readable"), ("np", "non_proprietary"), ("rdf", "rdf"))


@bp.get("/stats/openness")
def openness() -> str:
    stored = current_figures()
    figures = stored.figures
    return render_template(
        "stats_openness.html",
        figures=figures,
        seconds=stored.seconds,
        departments=sorted(figures.departments, key=_by_index),
        target=dqi.TARGET,
        max_points=mqa.MAX_POINTS,
        chart_data=_chart_data(figures),
        group_name=group_name,
    )


@bp.get("/stats/openness.json")
def openness_json() -> Response:
    return jsonify(current_figures().figures.to_dict())


@bp.get("/stats/openness.csv")
def openness_csv() -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for group in current_figures().figures.groups():
        row = group.to_dict() | {"name": str(group_name(group))}  # a label beside the code
        writer.writerow({key: safe_cell(value) for key, value in row.items()})
    body = "\ufeff" + out.getvalue()  # a BOM, so that Excel reads the Chinese names
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=openness.csv"},
    )


@bp.get("/dataset/<id_or_slug>/datapackage.json")
def dataset_datapackage(id_or_slug: str) -> Response:
    found = queries.get_public_dataset(get_session(), id_or_slug)
    if found is None:
        abort(404)
    facts = load_facts(get_session(), [found], services().files)[0]
    response = jsonify(datapackage(facts, current_app.config["BASE_URL"]))
    response.headers["Link"] = f'</dataset/{found.slug}>; rel="describes"'
    return response


@bp.get("/dataset/<id_or_slug>/resource/<resource_id>/validation")
def validation(id_or_slug: str, resource_id: str) -> str:
    session = get_session()
    found = queries.get_public_dataset(session, id_or_slug)
    distribution = (
        next((d for d in found.distributions if d.id == resource_id), None) if found else None
    )
    if found is None or distribution is None or not is_tabular(distribution.format):
        abort(404)
    report = report_for(session, distribution.id)
    return render_template(
        "validation.html",
        dataset=found,
        distribution=distribution,
        report=report,
        errors=public_errors(found, report) if report is not None else [],
    )


def _by_index(group: GroupFigures) -> tuple[float, str]:
    return (-(group.dqi_mean or 0.0), group.name)


def group_name(group: GroupFigures) -> str:
    """A group's name in the user's language."""
    if group.scope == "catalog":
        return _("The whole catalog")
    if not group.key:
        return _("Not given")
    if group.scope in ("category", "division"):
        return vocab_label(group.scope, group.key)
    return group.name


def _percent(value: float) -> float:
    return round(100 * value, 1)


def _ratios(groups: list[GroupFigures]) -> dict[str, list]:
    found: dict[str, list] = {"names": [group_name(g) for g in groups]}
    for short, kind in CHART_KINDS:
        found[short] = [_percent(g.ratios.ratio(kind, "datasets")) for g in groups]
    return found


def _chart_data(figures: OpennessFigures) -> dict[str, object]:
    """What openness.js draws; the page's tables show the same figures."""
    quarters: dict[str, list] = {"names": [q.quarter for q in figures.quarters]}
    for short, kind in CHART_KINDS:
        quarters[short] = [
            _percent(q.catalog.get(f"{kind}_datasets_ratio", 0)) for q in figures.quarters
        ]
        quarters[short + "Dist"] = [
            _percent(q.catalog.get(f"{kind}_distributions_ratio", 0)) for q in figures.quarters
        ]
    buckets = [f"{low}–{low + 10}" for low in range(0, 100, 10)]
    counts = [0] * 10
    for group in figures.departments:
        counts[min(int((group.dqi_mean or 0) // 10), 9)] += 1
    catalog = figures.catalog
    return {
        "labels": {
            "mr": _("Machine-readable"),
            "np": _("Non-proprietary"),
            "rdf": "RDF",
            "byDistribution": _(" (files)"),
            "index": _("Data quality index (%)"),
            "departments": _("Departments"),
            "target": _("Target line") + " 80%",
            "earned": _("Mean points"),
            "possible": _("Possible points"),
        },
        "quarters": quarters,
        "categories": _ratios([g for g in figures.categories if g.key]),
        "divisions": _ratios([g for g in figures.divisions if g.key]),
        "departments": {
            "buckets": buckets,
            "counts": counts,
            "meets": [low >= dqi.TARGET for low in range(0, 100, 10)],
            "targetBucket": buckets[int(dqi.TARGET // 10)],
        },
        "dimensions": {
            "names": [quality_label("dimension", name) for name in mqa.DIMENSIONS],
            "earned": [round(catalog.dimensions.get(name, 0.0), 1) for name in mqa.DIMENSIONS],
            "max": [mqa.dimension_points(name) for name in mqa.DIMENSIONS],
        },
    }
