"""The quality of one dataset, as its page shows it: scores, what would raise them, which
metadata was inferred, each file's validation and derivation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from catalog.db import utcnow
from catalog.models import Dataset
from catalog.quality import dqi, mqa
from catalog.quality.facts import DatasetFacts, DistributionFacts, load_facts
from catalog.storage import FileStore


@dataclass
class DatasetQuality:
    facts: DatasetFacts
    mqa: mqa.MqaScore
    dqi: dqi.DqiScore

    def distribution(self, distribution_id: str) -> DistributionFacts | None:
        return next(
            (d for d in self.facts.distributions if d.distribution.id == distribution_id), None
        )


def dataset_quality(
    session: Session, dataset: Dataset, store: FileStore | None, today: date | None = None
) -> DatasetQuality:
    facts = load_facts(session, [dataset], store)[0]
    return score_facts(facts, today or utcnow().date())


def score_facts(facts: DatasetFacts, today: date) -> DatasetQuality:
    """Both scores of one dataset's facts."""
    return DatasetQuality(facts, mqa.score(facts), dqi.score(facts, today))
