"""Openness ratios: machine-readable, non-proprietary and RDF.

Per distribution: the share of distributions whose format has the flag (``vocab.formats``).
Per dataset: the share of datasets with at least one such distribution.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from catalog.quality.facts import DatasetFacts

KINDS = ("machine_readable", "non_proprietary", "rdf")


@dataclass
class Ratios:
    datasets: int = 0
    distributions: int = 0
    machine_readable_distributions: int = 0
    non_proprietary_distributions: int = 0
    rdf_distributions: int = 0
    machine_readable_datasets: int = 0
    non_proprietary_datasets: int = 0
    rdf_datasets: int = 0

    def add(self, flags: Iterable[tuple[bool, bool, bool]]) -> None:
        """Count one dataset from its distributions' (machine-readable, open, RDF) flags."""
        flags = list(flags)
        self.datasets += 1
        self.distributions += len(flags)
        for index, kind in enumerate(KINDS):
            hits = sum(1 for f in flags if f[index])
            setattr(self, f"{kind}_distributions", getattr(self, f"{kind}_distributions") + hits)
            if hits:
                setattr(self, f"{kind}_datasets", getattr(self, f"{kind}_datasets") + 1)

    def ratio(self, kind: str, level: str) -> float:
        """The share (0–1) of ``level`` ("datasets" or "distributions") that are ``kind``."""
        total = self.datasets if level == "datasets" else self.distributions
        return getattr(self, f"{kind}_{level}") / total if total else 0.0

    def to_dict(self) -> dict[str, float | int]:
        data: dict[str, float | int] = dict(asdict(self))
        for kind in KINDS:
            for level in ("datasets", "distributions"):
                data[f"{kind}_{level}_ratio"] = round(self.ratio(kind, level), 4)
        return data


def flags_of(facts: DatasetFacts) -> list[tuple[bool, bool, bool]]:
    return [d.flags for d in facts.distributions]
