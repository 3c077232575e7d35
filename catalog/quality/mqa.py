"""The metadata quality score, after data.europa.eu's Metadata Quality Assessment (MQA).

405 points in five dimensions, with the MQA's weights; bands Excellent ≥ 351, Good ≥ 221,
Sufficient ≥ 121, else Bad. A dataset-level criterion earns its points or none; a
distribution-level one earns its points times the share of the dataset's distributions that
meet it (the MQA scores a catalogue by such shares). Criteria, in :data:`CRITERIA`:

- findability: keywords 30, theme (the high-value category) 30, spatial coverage 20,
  temporal coverage 20;
- accessibility: access URL answers 50, download URL given 20, download URL answers 30;
- interoperability: format 20, media type 10, both from vocabularies 10, non-proprietary
  20, machine-readable 20, DCAT-AP conformance 30;
- reusability: licence 20, known licence 10, access rights 10, from a vocabulary 5,
  contact point (a phone or an e-mail) 20, publisher 10;
- contextuality: rights 5, byte size 5, date issued 5, date modified 5.

Links count as answering only when a stored check says so (a stored file answers when it is
in the store). DCAT-AP conformance is scored from the fields DCAT-AP 3 makes mandatory
(dataset title and description, an access URL on every distribution — the portal's own page
for a stored file); it will use the SHACL validation of the DCAT-AP serialiser once that is
part of the portal. Rights is the dataset's statement of access conditions (开放条件).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from catalog.quality.facts import DatasetFacts, DistributionFacts
from vocab import formats, licences, open_types

MAX_POINTS = 405
BANDS = (("excellent", 351), ("good", 221), ("sufficient", 121), ("bad", 0))
DIMENSIONS = ("findability", "accessibility", "interoperability", "reusability", "contextuality")


@dataclass(frozen=True)
class Criterion:
    code: str  # kebab-case, stable: the portal translates it
    dimension: str
    points: int
    level: str  # "dataset" or "distribution"
    dataset_test: Callable[[DatasetFacts], bool] | None = None
    distribution_test: Callable[[DistributionFacts], bool] | None = None


@lru_cache(maxsize=1024)
def _in_vocabularies(fmt: str | None, media_type: str | None) -> bool:
    found = formats.format_for(fmt) if fmt else None
    media = formats.by_media_type(media_type) if media_type else None
    return found is not None and found.notation == fmt and media is not None


def _vocab_format(d: DistributionFacts) -> bool:
    return _in_vocabularies(d.distribution.format, d.distribution.media_type)


def _dcat_ap(f: DatasetFacts) -> bool:
    dataset = f.dataset
    return bool(dataset.title and (dataset.description or "").strip()) and all(
        d.distribution.access_url or d.distribution.download_url or d.distribution.stored_file
        for d in f.distributions
    )


CRITERIA: tuple[Criterion, ...] = (
    Criterion("keywords", "findability", 30, "dataset", lambda f: bool(f.dataset.keywords)),
    Criterion("theme", "findability", 30, "dataset", lambda f: bool(f.dataset.category)),
    Criterion("spatial", "findability", 20, "dataset", lambda f: bool(f.dataset.spatial)),
    Criterion(
        "temporal",
        "findability",
        20,
        "dataset",
        lambda f: bool(f.dataset.temporal_start or f.dataset.temporal_end),
    ),
    Criterion(
        "access-url-answers",
        "accessibility",
        50,
        "distribution",
        distribution_test=lambda d: d.links.access is True,
    ),
    Criterion(
        "download-url",
        "accessibility",
        20,
        "distribution",
        distribution_test=lambda d: d.links.download_given,
    ),
    Criterion(
        "download-url-answers",
        "accessibility",
        30,
        "distribution",
        distribution_test=lambda d: d.links.download is True,
    ),
    Criterion(
        "format",
        "interoperability",
        20,
        "distribution",
        distribution_test=lambda d: bool(d.distribution.format),
    ),
    Criterion(
        "media-type",
        "interoperability",
        10,
        "distribution",
        distribution_test=lambda d: bool(d.distribution.media_type),
    ),
    Criterion("format-vocabulary", "interoperability", 10, "distribution", None, _vocab_format),
    Criterion(
        "non-proprietary",
        "interoperability",
        20,
        "distribution",
        distribution_test=lambda d: d.non_proprietary,
    ),
    Criterion(
        "machine-readable",
        "interoperability",
        20,
        "distribution",
        distribution_test=lambda d: d.machine_readable,
    ),
    Criterion("dcat-ap", "interoperability", 30, "dataset", _dcat_ap),
    Criterion("licence", "reusability", 20, "dataset", lambda f: bool(f.dataset.licence)),
    Criterion(
        "licence-vocabulary",
        "reusability",
        10,
        "dataset",
        lambda f: licences.licence(f.dataset.licence or "") is not None,
    ),
    Criterion("access-rights", "reusability", 10, "dataset", lambda f: bool(f.dataset.open_type)),
    Criterion(
        "access-rights-vocabulary",
        "reusability",
        5,
        "dataset",
        lambda f: bool(f.dataset.open_type) and f.dataset.open_type in open_types.scheme(),
    ),
    Criterion(
        "contact-point",
        "reusability",
        20,
        "dataset",
        lambda f: bool(f.dataset.contact_phone or f.dataset.contact_email),
    ),
    Criterion(
        "publisher", "reusability", 10, "dataset", lambda f: f.dataset.department_id is not None
    ),
    Criterion(
        "rights",
        "contextuality",
        5,
        "dataset",
        lambda f: bool((f.dataset.access_conditions or "").strip()),
    ),
    Criterion(
        "byte-size",
        "contextuality",
        5,
        "distribution",
        distribution_test=lambda d: d.distribution.byte_size is not None,
    ),
    Criterion(
        "issued",
        "contextuality",
        5,
        "distribution",
        distribution_test=lambda d: d.distribution.issued is not None,
    ),
    Criterion(
        "modified",
        "contextuality",
        5,
        "distribution",
        distribution_test=lambda d: d.distribution.modified is not None,
    ),
)
assert sum(c.points for c in CRITERIA) == MAX_POINTS


@dataclass(frozen=True)
class Earned:
    criterion: Criterion
    points: float
    met: int | None = None  # distributions meeting it (distribution level)
    of: int | None = None

    @property
    def missing(self) -> float:
        return self.criterion.points - self.points


@dataclass(frozen=True)
class MqaScore:
    earned: tuple[Earned, ...]

    @property
    def points(self) -> float:
        return sum(e.points for e in self.earned)

    @property
    def band(self) -> str:
        return band(self.points)

    def dimension(self, name: str) -> tuple[float, int]:
        """(points earned, points possible) of one dimension."""
        items = [e for e in self.earned if e.criterion.dimension == name]
        return sum(e.points for e in items), sum(e.criterion.points for e in items)

    def raises(self) -> list[Earned]:
        """The criteria not fully met, the largest gain first: what would raise the score."""
        return sorted(
            (e for e in self.earned if e.missing > 0.005),
            key=lambda e: (-e.missing, e.criterion.code),
        )


def dimension_points(name: str) -> int:
    return sum(c.points for c in CRITERIA if c.dimension == name)


def band(points: float) -> str:
    return next(name for name, floor in BANDS if points >= floor)


def score(facts: DatasetFacts) -> MqaScore:
    earned = []
    for criterion in CRITERIA:
        if criterion.level == "dataset":
            assert criterion.dataset_test is not None
            met = criterion.dataset_test(facts)
            earned.append(Earned(criterion, float(criterion.points) if met else 0.0))
            continue
        assert criterion.distribution_test is not None
        items = facts.distributions
        count = sum(1 for d in items if criterion.distribution_test(d))
        share = count / len(items) if items else 0.0
        earned.append(Earned(criterion, criterion.points * share, count, len(items)))
    return MqaScore(tuple(earned))
