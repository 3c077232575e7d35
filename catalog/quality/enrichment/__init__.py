"""Enrich datasets: infer what metadata can be inferred, derive machine-readable files.

:func:`enrich_dataset` runs the steps in order; each records on the dataset what it
inferred and from what (see :mod:`.pipeline`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from catalog.models import Dataset
from catalog.quality.enrichment import derivatives, steps
from catalog.quality.enrichment.pipeline import (
    EnrichContext,
    EnrichmentReport,
    Inference,
    Step,
    run_steps,
)

STEPS: tuple[tuple[str, Step], ...] = (
    ("format", steps.infer_formats),
    ("category", steps.infer_category),
    ("spatial", steps.infer_spatial),
    ("keywords", steps.infer_keywords),
    ("file-facts", steps.file_facts),
    ("derivatives", derivatives.derive),
)
STEP_NAMES = tuple(name for name, _ in STEPS)


def enrich_dataset(
    session: Session,
    dataset: Dataset,
    context: EnrichContext,
    only: tuple[str, ...] | None = None,
) -> EnrichmentReport:
    """Run the pipeline (or the steps named in ``only``) on one dataset; never commits."""
    chosen = [(name, step) for name, step in STEPS if only is None or name in only]
    return run_steps(session, dataset, context, chosen)


__all__ = [
    "STEPS",
    "STEP_NAMES",
    "EnrichContext",
    "EnrichmentReport",
    "Inference",
    "enrich_dataset",
]
