"""The data quality index of the plan (数据质量指数): completeness, timeliness, validity,
accessibility, each 0–100, and their mean; a dataset or department meets the plan at 80.

- **completeness**: the share of the core catalog fields given — title, description,
  publisher, high-value category, keywords, format (of some distribution), open type,
  update frequency, date issued, spatial coverage, a contact one can reach, licence (the
  core metadata of the government catalog guide, plus what open data needs);
- **timeliness**: against the declared update frequency: updated within its period
  (``vocab.frequencies.max_age_days``) 100, within two periods 50, later 0. An irregular
  frequency counts as on time for a year. No declared frequency, or no date, scores 0;
- **validity**: the share of the dataset's validated tables whose report is valid; not
  measured for a dataset without a stored or reachable table;
- **accessibility**: the share of distributions whose link answers (a stored file answers
  when it is in the store); a link never checked does not count as answering.

The index is the mean of the measured components. :func:`raises` lists what would raise it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from catalog.quality.facts import DatasetFacts
from vocab import frequencies

TARGET = 80.0
IRREGULAR_DAYS = 365
COMPONENTS = ("completeness", "timeliness", "validity", "accessibility")
CORE_FIELDS = (
    "title",
    "description",
    "publisher",
    "category",
    "keywords",
    "format",
    "open_type",
    "update_frequency",
    "issued",
    "spatial",
    "contact",
    "licence",
)


@dataclass(frozen=True)
class Advice:
    """One thing that would raise a component: a code the portal explains, and its detail."""

    component: str
    code: str
    detail: str = ""
    gain: float = 0.0  # points of the index it would add, roughly


@dataclass
class DqiScore:
    components: dict[str, float | None]
    advice: list[Advice] = field(default_factory=list)
    missing_fields: tuple[str, ...] = ()

    @property
    def index(self) -> float:
        measured = [v for v in self.components.values() if v is not None]
        return sum(measured) / len(measured) if measured else 0.0

    @property
    def meets_target(self) -> bool:
        return self.index >= TARGET


def _given(facts: DatasetFacts) -> dict[str, bool]:
    d = facts.dataset
    return {
        "title": bool(d.title),
        "description": bool((d.description or "").strip()),
        "publisher": d.department_id is not None,
        "category": bool(d.category),
        "keywords": bool(d.keywords),
        "format": any(x.distribution.format for x in facts.distributions),
        "open_type": bool(d.open_type),
        "update_frequency": bool(d.update_frequency),
        "issued": d.issued is not None,
        "spatial": bool(d.spatial),
        "contact": bool(d.contact_phone or d.contact_email),
        "licence": bool(d.licence),
    }


def timeliness(facts: DatasetFacts, today: date) -> tuple[float, Advice | None]:
    d = facts.dataset
    last = d.modified or d.issued
    if not d.update_frequency:
        return 0.0, Advice("timeliness", "declare-frequency", gain=100)
    if last is None:
        return 0.0, Advice("timeliness", "give-modified", gain=100)
    age = (today - (last.date() if isinstance(last, datetime) else last)).days
    period = frequencies.max_age_days(d.update_frequency) or IRREGULAR_DAYS
    if age <= period:
        return 100.0, None
    score = 50.0 if age <= 2 * period else 0.0
    detail = f"{last:%Y-%m-%d}|{d.update_frequency}|{age}"
    return score, Advice("timeliness", "update-data", detail, gain=100 - score)


def validity(facts: DatasetFacts) -> tuple[float | None, list[Advice]]:
    reports = [x for x in facts.distributions if x.report is not None and not x.derivation]
    if not reports:
        return None, []
    valid = [x for x in reports if x.report is not None and x.report.valid]
    advice = [
        Advice(
            "validity",
            "fix-table" if x.report.problem is None else "unreadable-table",
            f"{x.distribution.title}|{x.report.error_count or x.report.problem}",
            gain=100 / len(reports),
        )
        for x in reports
        if x.report is not None and not x.report.valid
    ]
    return 100.0 * len(valid) / len(reports), advice


def accessibility(facts: DatasetFacts) -> tuple[float, list[Advice]]:
    items = facts.distributions
    if not items:
        return 0.0, [Advice("accessibility", "add-distribution", gain=100)]
    answering = [x for x in items if x.links.access is True or x.links.download is True]
    score = 100.0 * len(answering) / len(items)
    if score >= 100:
        return score, []
    unknown = [x for x in items if x.links.access is None and x.links.download is None]
    code = "check-links" if len(unknown) == len(items) else "fix-links"
    failing = len(items) - len(answering)
    return score, [Advice("accessibility", code, str(failing), gain=100 - score)]


def score(facts: DatasetFacts, today: date) -> DqiScore:
    given = _given(facts)
    missing = tuple(name for name in CORE_FIELDS if not given[name])
    completeness = 100.0 * (len(CORE_FIELDS) - len(missing)) / len(CORE_FIELDS)
    advice: list[Advice] = []
    if missing:
        advice.append(
            Advice(
                "completeness",
                "fill-fields",
                ",".join(missing),
                gain=100.0 * len(missing) / len(CORE_FIELDS),
            )
        )
    on_time, late = timeliness(facts, today)
    if late is not None:
        advice.append(late)
    valid, invalid = validity(facts)
    advice.extend(invalid)
    reachable, unreachable = accessibility(facts)
    advice.extend(unreachable)
    components: dict[str, float | None] = {
        "completeness": completeness,
        "timeliness": on_time,
        "validity": valid,
        "accessibility": reachable,
    }
    measured = sum(v is not None for v in components.values())
    scaled = [Advice(a.component, a.code, a.detail, round(a.gain / measured, 1)) for a in advice]
    scaled.sort(key=lambda a: -a.gain)
    return DqiScore(components, scaled, missing)
