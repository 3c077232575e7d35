"""RDF terms as plain Python values: cheap to build, hashable, independent of rdflib.

``IRI`` and ``BNode`` are ``str`` subclasses; ``Lit`` is a named tuple (lexical form, language
tag, datatype IRI). A triple is ``(subject, predicate, object)``; a *chunk* is a list of
triples that belong together (one dataset): blank nodes never cross chunks.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import NamedTuple

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class IRI(str):
    __slots__ = ()


class BNode(str):
    """A blank node label, unique within one document (``[A-Za-z0-9_]`` only)."""

    __slots__ = ()


class Lit(NamedTuple):
    value: str
    lang: str | None = None
    datatype: str | None = None


Subject = IRI | BNode
Node = IRI | BNode | Lit
Triple = tuple[Subject, IRI, Node]
Chunk = list[Triple]

A = IRI(RDF_TYPE)


def text(value: str, lang: str | None = "zh") -> Lit:
    return Lit(value, lang)


def typed(value: str, datatype: str) -> Lit:
    return Lit(value, None, datatype)


def date_time(value: datetime) -> Lit:
    return Lit(value.isoformat(), None, XSD + "dateTime")


def xsd_date(value: date) -> Lit:
    return Lit(value.isoformat(), None, XSD + "date")


def integer(value: int, datatype: str = "integer") -> Lit:
    return Lit(str(int(value)), None, XSD + datatype)


def boolean(value: bool) -> Lit:
    return Lit("true" if value else "false", None, XSD + "boolean")


def decimal(value: float) -> Lit:
    return Lit(format(value, ".4f").rstrip("0").rstrip(".") or "0", None, XSD + "decimal")


def subjects_in_order(chunk: Iterable[Triple]) -> dict[Subject, list[tuple[IRI, Node]]]:
    """The chunk's triples grouped by subject, subjects and predicates in first-seen order."""
    grouped: dict[Subject, list[tuple[IRI, Node]]] = {}
    for s, p, o in chunk:
        grouped.setdefault(s, []).append((p, o))
    return grouped


class Vocabulary:
    """Terms of one namespace as :class:`IRI` attributes, each built once (``DCAT_.theme``).

    rdflib's ``DCAT.theme`` builds and checks a new URIRef on every access; a writer that
    names the same predicates millions of times uses these instead.
    """

    def __init__(self, namespace: object) -> None:  # a str, rdflib Namespace or closed namespace
        self._namespace = str(namespace)

    def __getattr__(self, name: str) -> IRI:
        if name.startswith("__"):
            raise AttributeError(name)
        value = IRI(self._namespace + name)
        setattr(self, name, value)
        return value
