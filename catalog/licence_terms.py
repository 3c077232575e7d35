"""What CKAN clients read of a dataset's licence: its register id and whether it is open.

A licence is open when the licence vocabulary says so (``gxv:open`` in
``vocab/data/licences.ttl``: open in the sense of the Open Definition 2.1). A stored value the
vocabulary does not know, or no licence at all, is not open (fails closed).
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
    return concept is not None and licences.is_open(concept.notation)
