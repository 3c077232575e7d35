"""The providers the catalog computes itself: ``(session, quarter) -> {department_id: n}``.

- datasets, files and the three format shares are those of ``/stats/openness`` at the end of
  the quarter (:mod:`catalog.quality.figures`): its department snapshot when one was kept
  (``gxdata stats snapshot``), else reconstructed from issue dates
  (:func:`~catalog.quality.figures.reconstruct`);
- the quality index is the snapshot's, or for the current quarter today's
  (:func:`~catalog.quality.figures.group` of the scored facts); a past quarter without a
  snapshot has none (quality is not reconstructed);
- records: for each dataset counted, the rows of its validated tables (the validation
  report's ``stats.rows``), else the number of records it declares (``record_count``);
- downloads, API calls and page views: the flushed hit counters of the quarter's days;
- applications made (first submitted), approved and rejected in the quarter, by the dataset's
  department; overdue: those whose review limit fell in the quarter (and has passed) and were
  still waiting past it (decided later, or still waiting).

What several providers need (the catalog's facts) is loaded once per quarter, in
``quarter.cache``; the caller may put ``store`` (the file store) and ``today`` there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.applications import states
from catalog.applications.models import Application, ApplicationEvent
from catalog.db import utcnow
from catalog.models import Dataset, Department
from catalog.quality.facts import DatasetFacts, public_facts
from catalog.quality.figures import group, reconstruct, score_all
from catalog.quality.models import QualitySnapshot
from catalog.stats.models import API_CALL, DOWNLOAD, PAGE_VIEW, StatsCounter
from catalog.stats.quarters import Quarter, beijing_day

Figures = Mapping[int | None, float]


@dataclass
class DepartmentOpenness:
    datasets: int
    files: int
    records: int
    ratios: dict[str, float]  # machine_readable, non_proprietary, rdf (datasets level)
    quality_index: float | None


def today(quarter: Quarter) -> date:
    found = quarter.cache.get("today")
    return found if isinstance(found, date) else beijing_day(utcnow())


def _facts(session: Session, quarter: Quarter) -> list[DatasetFacts]:
    if "facts" not in quarter.cache:
        quarter.cache["facts"] = public_facts(session, quarter.cache.get("store"))
    facts: list[DatasetFacts] = quarter.cache["facts"]
    return facts


def openness(session: Session, quarter: Quarter) -> dict[int | None, DepartmentOpenness]:
    """Each department's catalog figures at the end of ``quarter`` (computed once)."""
    if "openness" in quarter.cache:
        found: dict[int | None, DepartmentOpenness] = quarter.cache["openness"]
        return found
    facts = _facts(session, quarter)
    by_department: dict[int | None, list[DatasetFacts]] = defaultdict(list)
    for item in facts:
        by_department[item.dataset.department_id].append(item)
    result: dict[int | None, DepartmentOpenness] = {}
    for department_id, items in by_department.items():
        ratios = reconstruct(items, quarter.code)
        if ratios.datasets == 0:
            continue
        result[department_id] = DepartmentOpenness(
            datasets=ratios.datasets,
            files=ratios.distributions,
            records=_records(items, quarter),
            ratios={k: ratios.ratio(k, "datasets") for k in _KINDS},
            quality_index=None,
        )
    _apply_snapshots(session, quarter, result)
    if quarter.cache.get("live"):  # the current quarter: today's index
        _apply_live_index(facts, quarter, result)
    quarter.cache["openness"] = result
    return result


_KINDS = ("machine_readable", "non_proprietary", "rdf")


def _records(items: list[DatasetFacts], quarter: Quarter) -> int:
    end = quarter.last_day
    total = 0
    for item in items:
        since = _day(item.dataset.issued or item.dataset.created_at)
        if since is None or since > end:  # as reconstruct counts datasets
            continue
        rows = [
            int(x.report.stats["rows"])
            for x in item.distributions
            if x.report is not None
            and x.derivation is None
            and isinstance((x.report.stats or {}).get("rows"), int)
            and (_day(x.distribution.issued) or end) <= end
        ]
        total += sum(rows) if rows else int(item.dataset.record_count or 0)
    return total


def _day(value: Any) -> date | None:
    """The Beijing calendar day of a stored (naive UTC) time, as the quarters are kept."""
    if value is None:
        return None
    return beijing_day(value) if isinstance(value, datetime) else value


def _apply_snapshots(
    session: Session, quarter: Quarter, result: dict[int | None, DepartmentOpenness]
) -> None:
    """The department snapshots of ``/stats/openness`` taken for this quarter win."""
    snapshots = {
        s.key: s.figures
        for s in session.scalars(
            select(QualitySnapshot).where(
                QualitySnapshot.quarter == quarter.code, QualitySnapshot.scope == "department"
            )
        )
    }
    if not snapshots:
        return
    ids = dict(session.execute(select(Department.slug, Department.id)).all())
    for slug, figures in snapshots.items():
        department_id = ids.get(slug) if slug else None
        if slug and department_id is None:
            continue
        entry = result.get(department_id) or DepartmentOpenness(0, 0, 0, {}, None)
        entry.datasets = int(figures.get("datasets", entry.datasets))
        entry.files = int(figures.get("distributions", entry.files))
        entry.ratios = {
            k: float(figures.get(f"{k}_datasets_ratio", entry.ratios.get(k, 0.0))) for k in _KINDS
        }
        if figures.get("dqi_mean") is not None:
            entry.quality_index = float(figures["dqi_mean"])
        result[department_id] = entry


def _apply_live_index(
    facts: list[DatasetFacts], quarter: Quarter, result: dict[int | None, DepartmentOpenness]
) -> None:
    """Today's data quality index, as ``/stats/openness`` computes it."""
    by_slug = {g.key: g for g in group(score_all(facts, today(quarter)), "department")}
    ids = {
        f.dataset.department.slug: f.dataset.department_id for f in facts if f.dataset.department
    }
    for slug, figures in by_slug.items():
        department_id = ids.get(slug) if slug else None
        entry = result.get(department_id)
        if entry is not None and entry.quality_index is None:
            entry.quality_index = figures.dqi_mean


def datasets(session: Session, quarter: Quarter) -> Figures:
    return {d: o.datasets for d, o in openness(session, quarter).items()}


def files(session: Session, quarter: Quarter) -> Figures:
    return {d: o.files for d, o in openness(session, quarter).items()}


def records(session: Session, quarter: Quarter) -> Figures:
    return {d: o.records for d, o in openness(session, quarter).items()}


def _ratio(kind: str, session: Session, quarter: Quarter) -> Figures:
    return {d: round(o.ratios[kind], 4) for d, o in openness(session, quarter).items() if o.ratios}


def machine_readable_ratio(session: Session, quarter: Quarter) -> Figures:
    return _ratio("machine_readable", session, quarter)


def non_proprietary_ratio(session: Session, quarter: Quarter) -> Figures:
    return _ratio("non_proprietary", session, quarter)


def rdf_ratio(session: Session, quarter: Quarter) -> Figures:
    return _ratio("rdf", session, quarter)


def quality_index(session: Session, quarter: Quarter) -> Figures:
    return {
        d: round(o.quality_index, 2)
        for d, o in openness(session, quarter).items()
        if o.quality_index is not None
    }


# --- hits ----------------------------------------------------------------------------------


def _hits(kind: str, session: Session, quarter: Quarter) -> Figures:
    rows = session.execute(
        select(StatsCounter.department_id, func.sum(StatsCounter.count))
        .where(
            StatsCounter.kind == kind,
            StatsCounter.day >= quarter.first_day,
            StatsCounter.day <= quarter.last_day,
        )
        .group_by(StatsCounter.department_id)
    )
    return {department: int(n or 0) for department, n in rows}


def downloads(session: Session, quarter: Quarter) -> Figures:
    return _hits(DOWNLOAD, session, quarter)


def api_calls(session: Session, quarter: Quarter) -> Figures:
    return _hits(API_CALL, session, quarter)


def page_views(session: Session, quarter: Quarter) -> Figures:
    return _hits(PAGE_VIEW, session, quarter)


# --- applications for conditional data ------------------------------------------------------


def _events(event: str, session: Session, quarter: Quarter, first_only: bool = False) -> Figures:
    query = (
        select(Dataset.department_id, func.count(func.distinct(ApplicationEvent.application_id)))
        .join(Application, Application.id == ApplicationEvent.application_id)
        .join(Dataset, Dataset.id == Application.dataset_id)
        .where(
            ApplicationEvent.event == event,
            ApplicationEvent.at >= quarter.start,
            ApplicationEvent.at < quarter.end,
        )
        .group_by(Dataset.department_id)
    )
    if first_only:
        query = query.where(ApplicationEvent.from_state == states.DRAFT)
    return {department: int(n) for department, n in session.execute(query)}


def applications_made(session: Session, quarter: Quarter) -> Figures:
    """Applications first submitted in the quarter (a resubmission is not a new one)."""
    return _events(states.SUBMIT, session, quarter, first_only=True)


def applications_approved(session: Session, quarter: Quarter) -> Figures:
    return _events(states.APPROVE, session, quarter)


def applications_rejected(session: Session, quarter: Quarter) -> Figures:
    return _events(states.REJECT, session, quarter)


def applications_overdue(session: Session, quarter: Quarter) -> Figures:
    """Reviews whose limit day fell in the quarter, has passed, and found them undecided."""
    passed = Application.limit_day <= quarter.last_day
    if today(quarter) <= quarter.last_day:  # the current quarter: the limits before today
        passed = Application.limit_day < today(quarter)
    query = (
        select(Application, Dataset.department_id)
        .join(Dataset, Dataset.id == Application.dataset_id)
        .where(Application.limit_day >= quarter.first_day, passed)
    )
    found: dict[int | None, float] = defaultdict(int)
    for application, department_id in session.execute(query):
        limit = application.limit_day
        assert limit is not None  # selected by its limit day
        decided = application.decided_at
        waiting = application.state in states.IN_REVIEWER_QUEUE
        if (decided is not None and beijing_day(decided) > limit) or (decided is None and waiting):
            found[department_id] += 1
    return dict(found)
