"""What CKAN clients read of a dataset's licence: its register id and whether it is open.

A licence is open when the Open Definition approves it (``od_conformance: approved`` in
CKAN's licence register): the licences of :mod:`vocab.licences` listed in
:data:`OPEN_DEFINITION`. Anything else, a licence this table does not name, a stored value
the vocabulary does not know, or no licence at all, is not open (fails closed).
"""

from __future__ import annotations

from vocab import licences
from vocab.skos import Concept

NOT_SPECIFIED = "notspecified"  # CKAN's id for "License not specified"
# Conformant to the Open Definition (https://opendefinition.org/licenses/), by notation.
OPEN_DEFINITION = frozenset(
    {"CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "ODC-PDDL-1.0", "ODC-By-1.0", "ODbL-1.0"}
)


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
    return concept is not None and concept.notation in OPEN_DEFINITION
