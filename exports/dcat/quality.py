"""Quality scores as DQV measurements: the hook the validation and quality work plugs into.

A :data:`QualityProvider` gives the measurements of one dataset; the DCAT writer publishes
each as ``dqv:hasQualityMeasurement [ a dqv:QualityMeasurement ; dqv:isMeasurementOf <metric> ;
dqv:value … ]``. The portal publishes the measurements of the provider registered as
``app.extensions["gxdata.quality"]`` (none until quality scores exist); the metrics' IRIs
(``dqv:Metric``) belong in the portal's vocabulary (``vocab/data/linked/ontology.ttl``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from catalog.models import Dataset


@dataclass(frozen=True)
class Measurement:
    metric: str  # IRI of a dqv:Metric
    value: float | int | bool
    computed_at: datetime | None = None


QualityProvider = Callable[[Dataset], Iterable[Measurement]]
