"""A quarter's figures: every measured measure for every department, each city and the whole
platform; live for the current quarter, frozen once it has ended.

:func:`quarterly_figures` is the one entry: a quarter in the future is refused; the current
quarter is computed (``provisional``), and so is one that ended less than ``Options.grace``
ago (the hits of its last minutes may not be written yet); an ended quarter is read from
``stats_snapshot``, or, asked for the first time, computed, stored and returned (``final``):
from then on it is always served from the snapshot, whatever changes in the catalog later.

The figures are a plain dictionary (what the snapshot stores, the JSON download gives and the
CSV and Data Cube writers read)::

    {"quarter": "2026Q3", "first_day": "2026-07-01", "last_day": "2026-09-30",
     "status": "final", "computed_at": "…", "measures": [{code, label_zh, label_en, unit,
     group, measured, combine}, …],
     "rows": [{"scope": "department"|"city"|"platform", "key": slug|code|"", "name": …,
               "name_en": …, "city": code, "values": {code: number}}, …]}

A row has a value for every measured measure that applies (a share of no datasets has none);
a measure not measured yet has no value anywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.db import utcnow
from catalog.errors import InvalidValue
from catalog.models import Department
from catalog.quality.figures import quarter_of
from catalog.queries import public_datasets
from catalog.stats.measures import MEAN_BY_DATASETS, MEASURES, SUM, Measure
from catalog.stats.models import StatsSnapshot
from catalog.stats.quarters import Quarter, beijing_day, current, quarter
from catalog.storage import FileStore
from vocab import divisions

PROVISIONAL = "provisional"
FINAL = "final"
UNATTRIBUTED = "-"  # the row of what belongs to no department (an API search)
REGION = "450000"


@dataclass(frozen=True)
class Options:
    store: FileStore | None = None
    now: datetime | None = None
    measures: Sequence[Measure] = MEASURES
    # an ended quarter is frozen this long after its end, once every process has written the
    # hits of its last moments (they flush at least every GXDATA_STATS_FLUSH_SECONDS)
    grace: timedelta = timedelta(minutes=10)
    # the platform's first quarter (GXDATA_STATS_FIRST_QUARTER); None: the quarter of the
    # earliest public dataset's issue or creation (:func:`first_quarter`)
    first_quarter: str | None = None


def quarterly_figures(
    session: Session, code: str, options: Options | None = None
) -> dict[str, Any]:
    """The figures of quarter ``code`` (see the module doc). Writes the snapshot of an ended
    quarter asked for the first time: the caller commits."""
    options = options or Options()
    now = options.now or utcnow()
    try:
        wanted = quarter(code)
    except ValueError as error:
        raise InvalidValue(str(error), code="bad-quarter") from error
    this = current(now)
    if wanted.first_day > this.first_day:
        raise InvalidValue(f"{wanted.code} has not begun", code="future-quarter")
    if wanted.code == this.code:
        return compute(session, wanted, options, PROVISIONAL, live=True)
    if now < wanted.end + options.grace:  # just ended: not frozen before the last hits are in
        return compute(session, wanted, options, PROVISIONAL, live=False)
    stored = session.get(StatsSnapshot, wanted.code)
    if stored is not None:
        return stored.figures
    first = quarter(options.first_quarter) if options.first_quarter else None
    first = first or first_quarter(session) or this
    if wanted.first_day < first.first_day:  # nothing to count, and never frozen nor listed
        raise InvalidValue(f"{wanted.code} is before {first.code}", code="before-first-quarter")
    figures = compute(session, wanted, options, FINAL, live=False)
    session.add(StatsSnapshot(quarter=wanted.code, computed_at=now, figures=figures))
    session.flush()
    return figures


def first_quarter(session: Session) -> Quarter | None:
    """The quarter of the earliest public dataset's issue or creation (Beijing calendar), or
    None for a catalog with no public dataset."""
    stmt = public_datasets().subquery()
    earliest = session.execute(select(func.min(stmt.c.issued), func.min(stmt.c.created_at))).one()
    moments = [m for m in earliest if m is not None]
    return current(min(moments)) if moments else None


def published_quarters(
    session: Session, now: datetime | None = None, back: int = 8, first: str | None = None
) -> list[str]:
    """The quarters a reader may pick, newest first: the current one, the ``back`` before it
    from the platform's first quarter on (``first``, else :func:`first_quarter`), and every
    quarter already frozen."""
    this = current(now or utcnow())
    begins = (quarter(first) if first else first_quarter(session)) or this
    found = {this.code, *session.scalars(select(StatsSnapshot.quarter))}
    day = this.first_day
    for _ in range(back):
        day = quarter(_previous_code(quarter(quarter_of(day)))).first_day
        if day >= begins.first_day:
            found.add(quarter_of(day))
    return sorted(found, key=lambda c: quarter(c).first_day, reverse=True)


def _previous_code(of: Quarter) -> str:
    year, number = of.first_day.year, (of.first_day.month - 1) // 3 + 1
    return f"{year - 1}Q4" if number == 1 else f"{year}Q{number - 1}"


def compute(
    session: Session, wanted: Quarter, options: Options, status: str, live: bool
) -> dict[str, Any]:
    now = options.now or utcnow()
    wanted.cache.update(store=options.store, live=live, today=beijing_day(now))
    by_department: dict[int | None, dict[str, float]] = defaultdict(dict)
    for measure in options.measures:
        if measure.provider is None:
            continue
        for department_id, value in measure.provider(session, wanted).items():
            by_department[department_id][measure.code] = value
    measured = [m for m in options.measures if m.measured]
    departments = {
        d.id: d
        for d in session.scalars(select(Department).where(Department.id.in_(
            [k for k in by_department if k is not None]
        )))
    }  # fmt: skip
    rows = []
    for department_id, values in by_department.items():
        if not any(values.values()):
            continue
        department = departments.get(department_id) if department_id is not None else None
        if department_id is not None and department is None:
            continue  # a department deleted since: its hits stay in the platform's total only
        rows.append(_department_row(session, department, _complete(values, measured)))
    rows.sort(key=lambda r: (-r["values"].get("datasets", 0), r["key"]))
    cities = _combine_rows(rows, measured, "city")
    platform = _combine_rows(rows, measured, "platform")
    return {
        "quarter": wanted.code,
        "first_day": wanted.first_day.isoformat(),
        "last_day": wanted.last_day.isoformat(),
        "status": status,
        "computed_at": now.isoformat(timespec="seconds"),
        "measures": [m.describe() for m in options.measures],
        "rows": platform + cities + rows,
    }


def _complete(values: dict[str, float], measured: list[Measure]) -> dict[str, float]:
    """Counts a provider left out are 0 for a department that has other figures."""
    full = dict(values)
    for measure in measured:
        if measure.combine == SUM:
            full.setdefault(measure.code, 0)
    return full


def _city_of(department: Department | None) -> str:
    seen = 0
    while department is not None and seen < 10:
        if department.division:
            concept = divisions.division(department.division)
            if concept is not None:
                return divisions.city_of(concept).notation
        department, seen = department.parent, seen + 1
    return ""


def _department_row(
    session: Session, department: Department | None, values: dict[str, float]
) -> dict[str, Any]:
    if department is None:
        return {"scope": "department", "key": UNATTRIBUTED, "name": "", "name_en": "",
                "city": "", "values": values}  # fmt: skip
    return {
        "scope": "department",
        "key": department.slug,
        "name": department.name,
        "name_en": department.name_en or "",
        "city": _city_of(department),
        "values": values,
    }


def _combine_rows(
    rows: list[dict[str, Any]], measured: list[Measure], scope: str
) -> list[dict[str, Any]]:
    """The departments' rows added up per city (``scope="city"``) or for the platform."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if scope == "platform":
        groups[""] = []  # the platform's row, even of an empty catalog
    for row in rows:
        if scope == "platform":
            groups[""].append(row)
        elif row["city"]:
            groups[row["city"]].append(row)
    combined = []
    for key, members in groups.items():
        values: dict[str, float] = {}
        for measure in measured:
            value = _combine(measure, members)
            if value is not None:
                values[measure.code] = value
        concept = divisions.division(key) if key else None
        name = concept.label("zh") if concept else ""
        name_en = concept.label("en") if concept else ""
        if key == REGION:  # the region's own departments, not the whole platform
            name, name_en = "自治区本级", "Region-level departments"
        combined.append(
            {  # a row as the module doc describes it
                "scope": scope,
                "key": key,
                "name": name,
                "name_en": name_en,
                "city": key,
                "values": values,
            }
        )
    combined.sort(key=lambda r: str(r["key"]))
    return combined


def _combine(measure: Measure, rows: list[dict[str, Any]]) -> float | None:
    present = [r["values"] for r in rows if measure.code in r["values"]]
    if measure.combine == SUM:
        return sum(v[measure.code] for v in present) if present or not rows else 0
    if measure.combine == MEAN_BY_DATASETS:
        weighted = [(v[measure.code], v.get("datasets", 0)) for v in present]
        weight = sum(w for _, w in weighted)
        if not weight:
            return None
        digits = 4 if measure.unit == "ratio" else 2
        return round(sum(value * w for value, w in weighted) / weight, digits)
    raise ValueError(f"no way to combine {measure.combine!r}")


def values_of(figures: dict[str, Any], scope: str | None = None) -> list[dict[str, Any]]:
    """The rows of ``figures`` of one scope (all when None)."""
    return [r for r in figures["rows"] if scope is None or r["scope"] == scope]
