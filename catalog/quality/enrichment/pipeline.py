"""The enrichment pipeline: small named steps, each saying what it inferred and from what.

A step looks at a dataset and proposes :class:`Inference` values; the pipeline applies a
proposal only where the field is empty or still holds what an earlier inference wrote, so
metadata a publisher gave is never overwritten (a step may mark a proposal ``replaces`` —
a format that is not in the vocabulary, or that the file's content contradicts — and the
given value is then kept in the record). Every applied value is recorded as an
:class:`~catalog.quality.models.InferredValue` with the step, the source and the rule; a
recorded value a person has since changed is forgotten, and the field counts as given.
Running the pipeline twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.db import utcnow
from catalog.models import Dataset, Distribution
from catalog.quality.models import InferredValue
from catalog.quality.remote import Limits
from catalog.storage import FileStore


@dataclass(frozen=True)
class EnrichContext:
    store: FileStore
    limits: Limits
    base_url: str
    max_bytes: int


@dataclass
class Inference:
    """One value a step inferred. ``record_only``: remembered, not an attribute to set.

    ``source`` and ``rule`` read ``kind: detail`` — a stable kebab-case kind the portal
    translates (``topic``, ``department``, ``title``, ``content``…; ``topic-mapping``,
    ``category-keyword``, ``division-named``, ``jieba-tfidf``…) and the particulars, as
    found (``topic: 市场监管``, ``category-keyword: category_rules.ttl title/transport “公交”``).
    """

    field: str
    value: Any
    source: str
    rule: str
    distribution: Distribution | None = None
    replaces: bool = False
    record_only: bool = False


@dataclass
class StepResult:
    step: str
    applied: list[Inference] = field(default_factory=list)


@dataclass
class EnrichmentReport:
    dataset_id: str
    steps: list[StepResult] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(len(step.applied) for step in self.steps)

    def summary(self) -> dict[str, int]:
        return {step.step: len(step.applied) for step in self.steps if step.applied}


class Recorded:
    """The values earlier runs inferred for one dataset, by (distribution id, field)."""

    def __init__(self, session: Session, dataset: Dataset):
        self.session = session
        self.dataset = dataset
        stmt = select(InferredValue).where(InferredValue.dataset_id == dataset.id)
        self.rows = {(r.distribution_id, r.field): r for r in session.scalars(stmt)}

    def get(self, distribution: Distribution | None, name: str) -> InferredValue | None:
        return self.rows.get((distribution.id if distribution else None, name))

    def inferred(self, target: Dataset | Distribution, name: str) -> bool:
        """Whether the field's current value is the one an inference wrote."""
        distribution = target if isinstance(target, Distribution) else None
        row = self.get(distribution, name)
        return row is not None and row.value == _jsonable(getattr(target, name, None))

    def may_set(self, target: Dataset | Distribution, name: str) -> bool:
        return _empty(getattr(target, name, None)) or self.inferred(target, name)

    def forget_changed(self) -> None:
        """Drop records whose field a person has changed since: it is given now."""
        by_id = {d.id: d for d in self.dataset.distributions}
        for key, row in list(self.rows.items()):
            target: Dataset | Distribution | None = (
                by_id.get(row.distribution_id) if row.distribution_id else self.dataset
            )
            if target is None or not hasattr(target, row.field):
                continue
            if row.value != _jsonable(getattr(target, row.field)):
                self.session.delete(row)
                del self.rows[key]

    def keep(self, step: str, inference: Inference, given: Any) -> None:
        distribution = inference.distribution
        key = (distribution.id if distribution else None, inference.field)
        row = self.rows.get(key)
        if row is None:
            row = InferredValue(
                dataset_id=self.dataset.id,
                distribution_id=key[0],
                field=inference.field,
                given=_jsonable(given),
            )
            self.session.add(row)
            self.rows[key] = row
        row.value = _jsonable(inference.value)
        row.step = step
        row.source = inference.source[:300]
        row.rule = inference.rule[:300]
        row.created_at = utcnow()


Step = Callable[[Session, Dataset, EnrichContext, Recorded], list[Inference]]


def run_steps(
    session: Session,
    dataset: Dataset,
    context: EnrichContext,
    steps: Sequence[tuple[str, Step]],
) -> EnrichmentReport:
    recorded = Recorded(session, dataset)
    recorded.forget_changed()
    report = EnrichmentReport(dataset.id)
    for name, step in steps:
        result = StepResult(name)
        for inference in step(session, dataset, context, recorded):
            if _apply(recorded, dataset, name, inference):
                result.applied.append(inference)
        report.steps.append(result)
    if report.changes:
        dataset.metadata_modified = utcnow()
    session.flush()
    return report


def _apply(recorded: Recorded, dataset: Dataset, step: str, inference: Inference) -> bool:
    target: Dataset | Distribution = inference.distribution or dataset
    if inference.record_only:
        row = recorded.get(inference.distribution, inference.field)
        if row is not None and row.value == _jsonable(inference.value):
            return False
        recorded.keep(step, inference, None)
        return True
    current = getattr(target, inference.field)
    if current == inference.value:
        return False
    if not (inference.replaces or recorded.may_set(target, inference.field)):
        return False
    previous = recorded.get(inference.distribution, inference.field)
    given = previous.given if previous is not None else (None if _empty(current) else current)
    setattr(target, inference.field, inference.value)
    recorded.keep(step, inference, given)
    return True


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value
