"""Keyword rules that infer a high-value category (``data/category_rules.ttl``).

:func:`match` finds the rule whose keyword occurs in a department name or a dataset title; the
file's header explains the order in which the enrichment pipeline applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from vocab import categories
from vocab.namespaces import GXV
from vocab.skos import Concept, ConceptScheme, PropertySpec, load_scheme

FILENAME = "category_rules.ttl"
KINDS = ("department", "title")
PROPERTIES = (
    PropertySpec("applies_to", GXV.appliesTo, "str", required=True),
    PropertySpec("category", GXV.category, "iri", required=True),
    PropertySpec("keywords", GXV.keyword, "str", many=True),
)


@dataclass(frozen=True)
class RuleMatch:
    rule: Concept
    keyword: str
    category: str  # the category notation

    @property
    def notation(self) -> str:
        return self.rule.notation


def scheme() -> ConceptScheme:
    return load_scheme(FILENAME, PROPERTIES)


@cache
def _rules(kind: str) -> tuple[tuple[str, int, Concept], ...]:
    """(keyword, order, rule) of one kind, longest keyword first, then by rule order."""
    found: list[tuple[str, int, Concept]] = []
    for order, rule in enumerate(scheme()):
        if rule.text("applies_to") == kind:
            found.extend((keyword, order, rule) for keyword in rule.texts("keywords"))
    return tuple(sorted(found, key=lambda item: (-len(item[0]), item[1])))


def category_of(rule: Concept) -> str:
    path = rule.text("category")
    concept = categories.scheme().by_path(path or "")
    if concept is None:
        raise KeyError(f"rule {rule.notation!r} points to unknown category {path!r}")
    return concept.notation


def match(text: str, kind: str) -> RuleMatch | None:
    """The rule of ``kind`` ("department" or "title") whose keyword occurs in ``text``."""
    if kind not in KINDS:
        raise ValueError(f"unknown rule kind {kind!r}")
    for keyword, _order, rule in _rules(kind):
        if keyword in text:
            return RuleMatch(rule=rule, keyword=keyword, category=category_of(rule))
    return None
