"""What the quality measures read, loaded in a few queries for one dataset or the catalog.

The measures (:mod:`.ratios`, :mod:`.mqa`, :mod:`.dqi`) are pure functions of these facts;
nothing here touches the network or a file's content: link states come from the stored link
checks, validity from the stored validation reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog.db import in_chunks
from catalog.models import Dataset, Distribution
from catalog.quality.enrichment.derivatives import derivations_of
from catalog.quality.links import LinkStatus, checks_for, link_status, urls_of
from catalog.quality.models import Derivation, InferredValue, ValidationReport
from catalog.quality.validate import reports_for
from catalog.queries import public_datasets
from catalog.storage import FileStore


@dataclass
class DistributionFacts:
    distribution: Distribution
    links: LinkStatus
    report: ValidationReport | None
    derivation: Derivation | None
    machine_readable: bool = False
    non_proprietary: bool = False
    rdf: bool = False

    @property
    def flags(self) -> tuple[bool, bool, bool]:
        """(machine-readable, non-proprietary, RDF), as :class:`.ratios.Ratios` counts them."""
        return self.machine_readable, self.non_proprietary, self.rdf


@dataclass
class DatasetFacts:
    dataset: Dataset
    distributions: list[DistributionFacts]
    inferred: dict[tuple[str | None, str], InferredValue] = field(default_factory=dict)


def load_facts(
    session: Session, datasets: Sequence[Dataset], store: FileStore | None
) -> list[DatasetFacts]:
    """Facts of these datasets (their distributions and department already loaded)."""
    distributions = [d for dataset in datasets for d in dataset.distributions]
    ids = [d.id for d in distributions]
    reports: dict[str, ValidationReport] = {}
    derivations: dict[str, Derivation] = {}
    for chunk in in_chunks(ids):
        reports.update(reports_for(session, chunk))
        derivations.update(derivations_of(session, chunk))
    checks = checks_for(session, urls_of(distributions))
    inferred = _inferred(session, [d.id for d in datasets])
    flags: dict[str | None, tuple[bool, bool, bool]] = {}
    facts = []
    for dataset in datasets:
        items = []
        for d in dataset.distributions:
            if d.format not in flags:  # a vocabulary lookup once per format, not per file
                flags[d.format] = (d.machine_readable, d.non_proprietary, d.rdf)
            machine_readable, non_proprietary, rdf = flags[d.format]
            items.append(
                DistributionFacts(
                    distribution=d,
                    links=link_status(d, checks, store),
                    report=reports.get(d.id),
                    derivation=derivations.get(d.id),
                    machine_readable=machine_readable,
                    non_proprietary=non_proprietary,
                    rdf=rdf,
                )
            )
        facts.append(
            DatasetFacts(
                dataset=dataset,
                distributions=items,
                inferred=inferred.get(dataset.id, {}),
            )
        )
    return facts


def public_facts(session: Session, store: FileStore | None) -> list[DatasetFacts]:
    """Facts of every public dataset."""
    stmt = public_datasets().options(
        selectinload(Dataset.distributions), selectinload(Dataset.department)
    )
    return load_facts(session, list(session.scalars(stmt)), store)


def _inferred(
    session: Session, dataset_ids: Iterable[str]
) -> dict[str, dict[tuple[str | None, str], InferredValue]]:
    found: dict[str, dict[tuple[str | None, str], InferredValue]] = {}
    for chunk in in_chunks(dataset_ids):
        stmt = select(InferredValue).where(InferredValue.dataset_id.in_(chunk))
        for row in session.scalars(stmt):
            found.setdefault(row.dataset_id, {})[(row.distribution_id, row.field)] = row
    return found
