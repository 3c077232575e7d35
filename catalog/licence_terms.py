"""What CKAN clients read of a dataset's licence: its register id and whether it is open.

A package is open, as CKAN computes ``isopen``, when its licence's conformance to the Open
Definition or the Open Source Definition is ``approved`` (``gxv:odConformance`` and
``gxv:osdConformance`` in ``vocab/data/licences.ttl``). The platform's own terms are open in
spirit (``gxv:open``) but were never reviewed, so CKAN clients are not told they are. A stored
value the vocabulary does not know, or no licence at all, is not open (fails closed).
"""

from __future__ import annotations

from vocab import licences
from vocab.skos import Concept

NOT_SPECIFIED = "notspecified"  # CKAN's id for "License not specified"


def licence_concept(stored: str | None) -> Concept | None:
    return licences.licence(stored) if stored else None


def ckan_licence_id(stored: str | None) -> str:
    """The licence's id in CKAN's register: the vocabulary notation, else the stored text."""
    concept = licence_concept(stored)
    if concept is not None:
        return concept.notation
    return stored.strip() if stored and stored.strip() else NOT_SPECIFIED


def licence_is_open(stored: str | None) -> bool:
    concept = licence_concept(stored)
    if concept is None:
        return False
    conformance = (concept.text("od_conformance"), concept.text("osd_conformance"))
    return "approved" in conformance
