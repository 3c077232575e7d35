"""Administrative divisions of Guangxi (``data/divisions.ttl``): region, cities, counties.

Notations are GB/T 2260 codes ("450100"). :func:`division_for_text` finds the most specific
division named in a free text such as a department name ("百色市田阳区大数据发展局" → 田阳区),
including former names ("田阳县") and short city names ("贵港海关" → 贵港市). Only Chinese
labels are matched in text: English names are too short to match safely without word breaks.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from vocab.namespaces import GXV
from vocab.skos import Concept, ConceptScheme, PropertySpec, load_scheme

FILENAME = "divisions.ttl"
REGION_CODE = "450000"
PROPERTIES = (
    PropertySpec("division_type", GXV.divisionType, "str", required=True),
    PropertySpec("division_level", GXV.divisionLevel, "int", required=True),
    PropertySpec("former_codes", GXV.formerCode, "str", many=True),
)


def scheme() -> ConceptScheme:
    return load_scheme(FILENAME, PROPERTIES)


def region() -> Concept:
    return scheme().require(REGION_CODE)


def cities() -> tuple[Concept, ...]:
    """The 14 prefecture-level cities, by code."""
    return scheme().narrower(REGION_CODE)


def counties(city_code: str) -> tuple[Concept, ...]:
    """The county-level divisions (districts, counties, county-level cities) of a city."""
    return scheme().narrower(city_code)


def division(code: str) -> Concept | None:
    """A division by its current or former code, or by name ("田阳县" → 田阳区)."""
    code = code.strip()
    found = scheme().lookup(code)
    if found is None:
        found = next((c for c in scheme() if code in c.texts("former_codes")), None)
    return found


def level(concept: Concept) -> int:
    """1 for the region, 2 for a prefecture-level city, 3 for a county-level division."""
    value = concept.integer("division_level")
    assert value is not None  # required by PROPERTIES
    return value


def city_of(concept: Concept) -> Concept:
    """The prefecture-level city a division belongs to (itself for a city); the region for it."""
    while level(concept) > 2:
        concept = scheme().require(concept.broader[0])
    return concept


def _has_cjk(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith("CJK UNIFIED") for ch in text)


@cache
def _text_labels() -> tuple[tuple[str, Concept], ...]:
    """(Chinese label, division) pairs, longest label first."""
    pairs = {
        (label, concept)
        for concept in scheme()
        for label in (*concept.labels.values(), *concept.alt_labels)
        if _has_cjk(label)
    }
    return tuple(sorted(pairs, key=lambda pair: (-len(pair[0]), pair[0])))


def division_for_text(text: str) -> Concept | None:
    """The most specific division named in ``text`` (county > city > region), else None.

    A name inside a longer matched name counts only as part of it; among equally specific
    divisions the longer name, then the earlier one, wins.
    """
    text = "".join(unicodedata.normalize("NFKC", text).split())
    spans: list[tuple[int, int, Concept]] = []
    for label, concept in _text_labels():
        start = text.find(label)
        while start != -1:
            end = start + len(label)
            if not any(s <= start and end <= e for s, e, _ in spans):
                spans.append((start, end, concept))
            start = text.find(label, start + 1)
    if not spans:
        return None
    best = max(spans, key=lambda span: (level(span[2]), span[1] - span[0], -span[0]))
    return best[2]


_STREET_SUFFIXES = frozenset("路街道巷弄")


@cache
def _label_pattern() -> tuple[re.Pattern[str], dict[str, Concept]]:
    """One pattern of every Chinese label, longest first (so a match is the longest), and
    the division of each label (the first of :func:`_text_labels` for a shared one)."""
    named: dict[str, Concept] = {}
    for label, concept in _text_labels():
        named.setdefault(label, concept)
    return re.compile("|".join(re.escape(label) for label in named)), named


def division_at_start(text: str) -> Concept | None:
    """The most specific division an address starts with ("广西南宁市青秀区民族大道…" → 青秀区).

    Walks the longest division name at the start, then the longest right after it, and so on,
    while each lies inside the one before and does not begin a street name ("桂林路"): one
    compiled pattern match per name, so it suits masking every row of a large file
    (:func:`division_for_text` searches the whole text instead).
    """
    text = "".join(unicodedata.normalize("NFKC", text).split())
    pattern, named = _label_pattern()
    found: Concept | None = None
    position = 0
    while (match := pattern.match(text, position)) is not None:
        concept = named[match.group()]
        if found is not None and not _within(concept.notation, found.notation):
            break
        if text[match.end() : match.end() + 1] in _STREET_SUFFIXES:
            break  # "桂林路" is a street, wherever it is
        position, found = match.end(), concept
    return found


@cache
def _within(inner: str, outer: str) -> bool:
    """Whether the division coded ``inner`` is the one coded ``outer`` or lies inside it."""
    concept = scheme().require(inner)
    while concept.notation != outer:
        if not concept.broader:
            return False
        concept = scheme().require(concept.broader[0])
    return True
