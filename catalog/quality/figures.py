"""The openness and quality figures: for the catalog, each department, category and division,
now and at the end of each past quarter.

Past quarters come from snapshots (``gxdata stats snapshot``, kept in ``quality_snapshot``).
A quarter without a snapshot is reconstructed from the dates the catalog keeps: a dataset
counts from the day it was issued (else created), a distribution from its own issue date
(else its dataset's). Formats are taken as they are now, because the catalog keeps no history
of them, and quality scores are not reconstructed (they depend on what was true then: link
answers, dates, reports); a reconstructed quarter says so (``method: reconstructed``).
Closed (不予开放) and unpublished datasets are never counted.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.beijing import beijing_day
from catalog.db import utcnow
from catalog.feedback.figures import responsiveness
from catalog.models import Department
from catalog.quality import dqi, mqa
from catalog.quality.dataset_quality import DatasetQuality, score_facts
from catalog.quality.facts import DatasetFacts
from catalog.quality.models import QualitySnapshot
from catalog.quality.ratios import Ratios, flags_of
from vocab import divisions

SCOPES = ("catalog", "department", "category", "division")
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
UNKNOWN = ""  # key of the group of datasets without a category or division
MAX_QUARTERS = 24


@dataclass
class GroupFigures:
    scope: str
    key: str
    name: str  # department name, or the notation of a category or division
    ratios: Ratios
    mqa_mean: float | None = None
    dqi_mean: float | None = None
    datasets_meeting: int | None = None  # datasets with an index of 80 or more
    dimensions: dict[str, float] = field(default_factory=dict)  # mean points per dimension
    components: dict[str, float | None] = field(default_factory=dict)  # mean DQI components
    advice: list[str] = field(default_factory=list)  # advice codes that would raise it most

    @property
    def weakest(self) -> str | None:
        """The DQI component with the lowest mean: where the index gains most."""
        measured = {k: v for k, v in self.components.items() if v is not None}
        return min(measured, key=lambda k: measured[k]) if measured else None

    @property
    def meets_target(self) -> bool | None:
        return None if self.dqi_mean is None else self.dqi_mean >= dqi.TARGET

    @property
    def band(self) -> str | None:
        return None if self.mqa_mean is None else mqa.band(self.mqa_mean)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "key": self.key,
            "name": self.name,
            **self.ratios.to_dict(),
            "mqa_mean": _round(self.mqa_mean),
            "mqa_band": self.band,
            "dqi_mean": _round(self.dqi_mean),
            "dqi_meets_target": self.meets_target,
            "datasets_meeting_target": self.datasets_meeting,
            **{f"mqa_{k}": _round(v) for k, v in self.dimensions.items()},
            **{f"dqi_{k}": _round(v) for k, v in self.components.items()},
            "dqi_weakest": self.weakest,
            "dqi_advice": self.advice,
        }


@dataclass
class QuarterFigures:
    quarter: str
    method: str  # "snapshot" or "reconstructed"
    catalog: dict[str, Any]


@dataclass
class OpennessFigures:
    computed_at: datetime
    catalog: GroupFigures
    departments: list[GroupFigures]
    categories: list[GroupFigures]
    divisions: list[GroupFigures]
    quarters: list[QuarterFigures] = field(default_factory=list)

    def groups(self) -> list[GroupFigures]:
        return [self.catalog, *self.departments, *self.categories, *self.divisions]

    def to_dict(self) -> dict[str, Any]:
        return {
            "computed_at": self.computed_at.isoformat(timespec="seconds"),
            "target": dqi.TARGET,
            "catalog": self.catalog.to_dict(),
            "departments": [g.to_dict() for g in self.departments],
            "categories": [g.to_dict() for g in self.categories],
            "divisions": [g.to_dict() for g in self.divisions],
            "quarters": [
                {"quarter": q.quarter, "method": q.method, **q.catalog} for q in self.quarters
            ],
        }


def score_all(facts: Iterable[DatasetFacts], today: date) -> list[DatasetQuality]:
    return [score_facts(f, today) for f in facts]


def division_key(facts: DatasetFacts) -> str:
    """The city (or the region) a dataset covers: counties are counted with their city."""
    code = facts.dataset.spatial
    concept = divisions.division(code) if code else None
    return divisions.city_of(concept).notation if concept is not None else UNKNOWN


KEYS: dict[str, Callable[[DatasetFacts], str]] = {
    "catalog": lambda f: "",
    "department": lambda f: f.dataset.department.slug if f.dataset.department else UNKNOWN,
    "category": lambda f: f.dataset.category or UNKNOWN,
    "division": division_key,
}


def group(scored: list[DatasetQuality], scope: str) -> list[GroupFigures]:
    buckets: dict[str, list[DatasetQuality]] = defaultdict(list)
    for item in scored:
        buckets[KEYS[scope](item.facts)].append(item)
    groups = [_figures(scope, key, items) for key, items in buckets.items()]
    groups.sort(key=lambda g: (-g.ratios.datasets, g.key))
    return groups


def _figures(scope: str, key: str, items: list[DatasetQuality]) -> GroupFigures:
    ratios = Ratios()
    for item in items:
        ratios.add(flags_of(item.facts))
    name = key
    if scope == "department" and items and items[0].facts.dataset.department is not None:
        name = items[0].facts.dataset.department.name
    count = len(items)
    dimensions = {
        name_: sum(i.mqa.dimension(name_)[0] for i in items) / count for name_ in mqa.DIMENSIONS
    }
    components: dict[str, float | None] = {}
    for component in dqi.COMPONENTS:
        values = [v for i in items if (v := i.dqi.components[component]) is not None]
        components[component] = sum(values) / len(values) if values else None
    gains: dict[str, float] = defaultdict(float)
    for item in items:
        for advice in item.dqi.advice:
            gains[advice.code] += advice.gain
    return GroupFigures(
        scope=scope,
        key=key,
        name=name,
        ratios=ratios,
        mqa_mean=sum(i.mqa.points for i in items) / count,
        dqi_mean=sum(i.dqi.index for i in items) / count,
        datasets_meeting=sum(1 for i in items if i.dqi.meets_target),
        dimensions=dimensions,
        components=components,
        advice=sorted(gains, key=lambda code: -gains[code])[:2],
    )


def openness_figures(
    session: Session, facts: list[DatasetFacts], today: date | None = None
) -> OpennessFigures:
    today = today or utcnow().date()
    scored = score_all(facts, today)
    catalog = (
        _figures("catalog", "", scored) if scored else GroupFigures("catalog", "", "", Ratios())
    )
    return OpennessFigures(
        computed_at=utcnow(),
        catalog=catalog,
        departments=with_responsiveness(session, group(scored, "department"), today),
        categories=group(scored, "category"),
        divisions=group(scored, "division"),
        quarters=quarter_series(session, facts, today),
    )


def with_responsiveness(
    session: Session, departments: list[GroupFigures], today: date
) -> list[GroupFigures]:
    """Add the department-level ``responsiveness`` component (the share of problem reports
    answered in time, :func:`catalog.feedback.figures.responsiveness`) to each department that
    had reports due, and count it in its index as one more component beside the measured ones
    (the datasets' mean index stands for those)."""
    shares = responsiveness(session, today)
    if not shares:
        return departments
    slugs = {slug: id_ for slug, id_ in session.execute(select(Department.slug, Department.id))}
    for figures_ in departments:
        share = shares.get(slugs.get(figures_.key, -1))
        if share is None or figures_.dqi_mean is None:
            continue
        measured = sum(v is not None for v in figures_.components.values())
        figures_.components["responsiveness"] = share
        figures_.dqi_mean = (figures_.dqi_mean * measured + share) / (measured + 1)
    return departments


# --- quarters -------------------------------------------------------------------------------


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def parse_quarter(text: str) -> tuple[int, int]:
    match = QUARTER.match(text.strip().upper())
    if match is None:
        raise ValueError(f"not a quarter: {text!r} (write it like 2026Q3)")
    return int(match.group(1)), int(match.group(2))


def quarter_end(text: str) -> date:
    year, quarter = parse_quarter(text)
    if quarter == 4:
        return date(year, 12, 31)
    return date(year, quarter * 3 + 1, 1) - timedelta(days=1)


def last_complete_quarter(today: date) -> str:
    year, quarter = parse_quarter(quarter_of(today))
    return f"{year - 1}Q4" if quarter == 1 else f"{year}Q{quarter - 1}"


def quarters_between(first: str, last: str) -> list[str]:
    year, quarter = parse_quarter(first)
    end = parse_quarter(last)
    found = []
    while (year, quarter) <= end:
        found.append(f"{year}Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return found


def reconstruct(facts: list[DatasetFacts], quarter: str) -> Ratios:
    """The catalog's ratios at the end of ``quarter``, from issue dates (see the module doc)."""
    end = quarter_end(quarter)
    ratios = Ratios()
    for item in facts:
        dataset = item.dataset
        since = _day(dataset.issued or dataset.created_at)
        if since is None or since > end:
            continue
        ratios.add(
            d.flags for d in item.distributions if (_day(d.distribution.issued) or since) <= end
        )
    return ratios


def quarter_series(
    session: Session, facts: list[DatasetFacts], today: date
) -> list[QuarterFigures]:
    snapshots = {
        s.quarter: s.figures
        for s in session.scalars(select(QualitySnapshot).where(QualitySnapshot.scope == "catalog"))
    }
    issued = [
        day
        for item in facts
        if (day := _day(item.dataset.issued or item.dataset.created_at)) is not None
    ]
    if not issued and not snapshots:
        return []
    last = last_complete_quarter(today)
    candidates = list(snapshots)
    if issued:
        candidates.append(quarter_of(min(issued)))
    first = min(candidates, key=parse_quarter)
    quarters = quarters_between(first, last)[-MAX_QUARTERS:]
    series = []
    for quarter in quarters:
        if quarter in snapshots:
            series.append(QuarterFigures(quarter, "snapshot", snapshots[quarter]))
        else:
            figures = reconstruct(facts, quarter).to_dict()
            series.append(QuarterFigures(quarter, "reconstructed", figures))
    return series


def take_snapshot(session: Session, figures: OpennessFigures, quarter: str) -> int:
    """Store the figures of every group under ``quarter`` (replacing earlier ones)."""
    parse_quarter(quarter)
    existing = {
        (s.scope, s.key): s
        for s in session.scalars(select(QualitySnapshot).where(QualitySnapshot.quarter == quarter))
    }
    count = 0
    for figures_ in figures.groups():
        row = existing.get((figures_.scope, figures_.key))
        if row is None:
            row = QualitySnapshot(quarter=quarter, scope=figures_.scope, key=figures_.key)
            session.add(row)
        row.computed_at = utcnow()
        row.figures = figures_.to_dict()
        count += 1
    session.flush()
    return count


def _day(value: datetime | date | None) -> date | None:
    """The Beijing calendar day of a stored (naive UTC) time: a dataset issued at 02:00 on
    1 July in Beijing (18:00 on 30 June UTC) is of the third quarter."""
    if value is None:
        return None
    return beijing_day(value) if isinstance(value, datetime) else value


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
