"""Generic SKOS loader: turns one Turtle file of ``vocab/data`` into a typed ConceptScheme.

The files use relative IRIs (``<categories/meteorology>``) and no ``@base``; they are parsed
against the sentinel base ``http://gxdata.invalid/vocab/`` and every concept keeps only its
``path`` below it, so its public URI follows the portal's configured base URL
(:meth:`Concept.uri`). Absolute IRIs (EU authority tables, IANA media types) stay absolute.

Each file is parsed once (``functools.cache``) on first use; nothing is read at import time.
Portal-specific extra properties (``gxv:machineReadable``, ``gxv:level``…) are declared by the
vocabulary module that needs them as :class:`PropertySpec` rows and arrive typed in
:attr:`Concept.properties`.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Literal as TypingLiteral

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from vocab.namespaces import GXV, RDF, RDFS, SKOS, VOCAB_SENTINEL_BASE, XSD

PropertyKind = TypingLiteral["bool", "int", "str", "iri"]
_EMPTY: Mapping[str, str] = MappingProxyType({})


def _no_entries() -> Mapping[str, str]:
    return _EMPTY


_ORDER = GXV["order"]


class VocabularyError(ValueError):
    """A vocabulary file breaks a rule the loader relies on (a data bug, found at load time)."""


@dataclass(frozen=True)
class PropertySpec:
    """One extra property a vocabulary module reads: key in Concept.properties, predicate, type.

    ``kind`` is ``bool``/``int`` (typed literals), ``str`` (plain literal) or ``iri`` (a
    resource: its relative path when it is one of ours, else the absolute IRI).
    """

    name: str
    predicate: str
    kind: PropertyKind
    many: bool = False
    required: bool = False


def normalise_label(text: str) -> str:
    """Key used for label lookups: NFKC (full-width to half-width), casefolded, no whitespace."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(folded.split())


def relative_path(iri: str) -> str | None:
    """The path of one of the portal's vocabulary IRIs below the sentinel base, else None."""
    if iri.startswith(VOCAB_SENTINEL_BASE):
        return iri[len(VOCAB_SENTINEL_BASE) :]
    return None


def vocab_uri(base_url: str, path: str) -> str:
    """The public URI of a vocabulary resource under the portal's base URL."""
    return f"{base_url.rstrip('/')}/vocab/{path}"


@dataclass(frozen=True)
class Concept:
    """One skos:Concept. ``notation`` is the stable code stored in the database."""

    path: str
    notation: str
    labels: Mapping[str, str] = field(hash=False)
    alt_labels: tuple[str, ...] = ()
    definition: Mapping[str, str] = field(default_factory=_no_entries, hash=False, repr=False)
    exact_match: tuple[str, ...] = ()
    close_match: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()
    properties: Mapping[str, object] = field(default_factory=_no_entries, hash=False)
    broad_match: tuple[str, ...] = ()
    scope_note: Mapping[str, str] = field(default_factory=_no_entries, hash=False, repr=False)

    def label(self, lang: str = "zh") -> str:
        """The preferred label in ``lang``, falling back to zh, then en, then the notation."""
        for candidate in (lang, "zh", "en"):
            if candidate in self.labels:
                return self.labels[candidate]
        return self.notation

    def uri(self, base_url: str) -> str:
        return vocab_uri(base_url, self.path)

    def flag(self, name: str) -> bool:
        """A boolean extra property; raises KeyError if the file does not state it."""
        value = self.properties[name]
        if not isinstance(value, bool):
            raise TypeError(f"{self.path}: property {name!r} is not a boolean")
        return value

    def integer(self, name: str) -> int | None:
        value = self.properties.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise TypeError(f"{self.path}: property {name!r} is not an integer")
        return value

    def text(self, name: str) -> str | None:
        value = self.properties.get(name)
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{self.path}: property {name!r} is not a single string")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.properties.get(name, ())
        if not isinstance(value, tuple):
            raise TypeError(f"{self.path}: property {name!r} is not multi-valued")
        return tuple(str(item) for item in value)


class ConceptScheme:
    """An ordered, read-only set of concepts with lookups both ways."""

    def __init__(
        self,
        path: str,
        notation: str,
        labels: Mapping[str, str],
        concepts: Sequence[Concept],
        comment: Mapping[str, str] = _EMPTY,
    ) -> None:
        self.path = path
        self.notation = notation
        self.labels: Mapping[str, str] = MappingProxyType(dict(labels))
        self.comment: Mapping[str, str] = MappingProxyType(dict(comment))
        self.concepts: tuple[Concept, ...] = tuple(concepts)
        self._by_notation = _unique_index(path, ((c.notation, c) for c in self.concepts))
        self._by_path = {c.path: c for c in self.concepts}
        self._by_label = _unique_index(path, _label_keys(self.concepts))
        self._by_match = _unique_index(
            path, ((uri, c) for c in self.concepts for uri in (*c.exact_match, *c.close_match))
        )

    @property
    def name(self) -> str:
        return self.notation

    def label(self, lang: str = "zh") -> str:
        for candidate in (lang, "zh", "en"):
            if candidate in self.labels:
                return self.labels[candidate]
        return self.notation

    def uri(self, base_url: str) -> str:
        return vocab_uri(base_url, self.path)

    def __iter__(self) -> Iterator[Concept]:
        return iter(self.concepts)

    def __len__(self) -> int:
        return len(self.concepts)

    def __contains__(self, notation: object) -> bool:
        return isinstance(notation, str) and notation in self._by_notation

    def __repr__(self) -> str:
        return f"<ConceptScheme {self.path!r}: {len(self)} concepts>"

    def by_notation(self, code: str) -> Concept | None:
        return self._by_notation.get(code)

    def require(self, code: str) -> Concept:
        """The concept with notation ``code``; KeyError for an unknown code (a caller bug)."""
        found = self._by_notation.get(code)
        if found is None:
            raise KeyError(f"{self.path}: unknown notation {code!r}")
        return found

    def by_path(self, path: str) -> Concept | None:
        return self._by_path.get(path)

    def by_uri(self, uri: str, base_url: str) -> Concept | None:
        """The concept whose public URI under ``base_url`` is ``uri``."""
        prefix = vocab_uri(base_url, "")
        if not uri.startswith(prefix):
            return None
        return self._by_path.get(uri[len(prefix) :])

    def by_label(self, text: str) -> Concept | None:
        """Match a zh/en preferred or alternative label or the notation, normalised."""
        return self._by_label.get(normalise_label(text))

    def by_match(self, uri: str) -> Concept | None:
        """The concept with ``uri`` (e.g. an EU authority URI) as skos:exactMatch/closeMatch."""
        return self._by_match.get(uri.strip())

    def mapped_to(self, uri: str) -> tuple[Concept, ...]:
        """Every concept with ``uri`` as exact, close or broad match (many-to-one mappings)."""
        return tuple(
            c for c in self.concepts if uri in (*c.exact_match, *c.close_match, *c.broad_match)
        )

    def lookup(self, value: str, base_url: str | None = None) -> Concept | None:
        """Resolve a notation, a label, a matched URI or (with ``base_url``) our own URI."""
        value = value.strip()
        found = self.by_notation(value) or self.by_match(value) or self.by_label(value)
        if found is None and base_url is not None:
            found = self.by_uri(value, base_url)
        return found

    def narrower(self, notation: str) -> tuple[Concept, ...]:
        return tuple(c for c in self.concepts if notation in c.broader)

    def top_concepts(self) -> tuple[Concept, ...]:
        return tuple(c for c in self.concepts if not c.broader)


def _label_keys(concepts: Iterable[Concept]) -> Iterator[tuple[str, Concept]]:
    for concept in concepts:
        texts = {concept.notation, *concept.labels.values(), *concept.alt_labels}
        for text in texts:
            yield normalise_label(text), concept


def _unique_index(scheme: str, pairs: Iterable[tuple[str, Concept]]) -> dict[str, Concept]:
    index: dict[str, Concept] = {}
    for key, concept in pairs:
        other = index.setdefault(key, concept)
        if other is not concept:
            raise VocabularyError(
                f"{scheme}: {key!r} names both {other.notation!r} and {concept.notation!r}"
            )
    return index


@cache
def parse_file(filename: str) -> Graph:
    """Parse one Turtle file of ``vocab/data`` against the sentinel base (once per process)."""
    source = files("vocab").joinpath("data", filename)
    graph = Graph()
    graph.parse(
        data=source.read_text(encoding="utf-8"), format="turtle", publicID=VOCAB_SENTINEL_BASE
    )
    return graph


_LOADING = threading.RLock()


def load_scheme(filename: str, properties: tuple[PropertySpec, ...] = ()) -> ConceptScheme:
    """Load the one skos:ConceptScheme of ``vocab/data/<filename>`` with its concepts.

    Loaded once per process even when several threads ask at the same time, so every caller
    holds the same Concept objects.
    """
    with _LOADING:
        return _load_scheme(filename, properties)


@cache
def _load_scheme(filename: str, properties: tuple[PropertySpec, ...]) -> ConceptScheme:
    graph = parse_file(filename)
    schemes = list(graph.subjects(RDF.type, SKOS.ConceptScheme))
    if len(schemes) != 1:
        raise VocabularyError(f"{filename}: expected one skos:ConceptScheme, found {len(schemes)}")
    scheme = schemes[0]
    scheme_path = _own_path(filename, scheme)
    members = sorted(set(graph.subjects(SKOS.inScheme, scheme)), key=str)
    notations = {member: _notation(graph, filename, member) for member in members}
    concepts = [_concept(graph, filename, m, notations, properties) for m in members]
    concepts.sort(key=lambda c: _sort_key(graph, c))
    return ConceptScheme(
        path=scheme_path,
        notation=_optional_notation(graph, filename, scheme) or scheme_path,
        labels=_lang_map(graph, filename, scheme, SKOS.prefLabel),
        concepts=concepts,
        comment=_lang_map(graph, filename, scheme, RDFS.comment),
    )


def _concept(
    graph: Graph,
    filename: str,
    subject: Node,
    notations: Mapping[Node, str],
    properties: tuple[PropertySpec, ...],
) -> Concept:
    path = _own_path(filename, subject)
    broader = []
    for parent in graph.objects(subject, SKOS.broader):
        if parent not in notations:
            raise VocabularyError(f"{filename}: {path} has a broader concept outside its scheme")
        broader.append(notations[parent])
    return Concept(
        path=path,
        notation=notations[subject],
        labels=_lang_map(graph, filename, subject, SKOS.prefLabel),
        alt_labels=tuple(sorted(str(o) for o in graph.objects(subject, SKOS.altLabel))),
        definition=_lang_map(graph, filename, subject, SKOS.definition),
        exact_match=_iris(graph, subject, SKOS.exactMatch),
        close_match=_iris(graph, subject, SKOS.closeMatch),
        broad_match=_iris(graph, subject, SKOS.broadMatch),
        broader=tuple(sorted(broader)),
        scope_note=_lang_map(graph, filename, subject, SKOS.scopeNote),
        properties=MappingProxyType(_extra_properties(graph, filename, subject, properties)),
    )


def _own_path(filename: str, node: Node) -> str:
    path = relative_path(str(node)) if isinstance(node, URIRef) else None
    if not path:
        raise VocabularyError(f"{filename}: {node} is not a relative IRI of the vocabulary")
    return path


def _optional_notation(graph: Graph, filename: str, subject: Node) -> str | None:
    values = [str(v) for v in graph.objects(subject, SKOS.notation)]
    if len(values) > 1:
        raise VocabularyError(f"{filename}: {subject} has {len(values)} skos:notation values")
    return values[0] if values else None


def _notation(graph: Graph, filename: str, subject: Node) -> str:
    notation = _optional_notation(graph, filename, subject)
    if not notation:
        raise VocabularyError(f"{filename}: {subject} has no skos:notation")
    return notation


def _lang_map(graph: Graph, filename: str, subject: Node, predicate: URIRef) -> Mapping[str, str]:
    values: dict[str, str] = {}
    for obj in graph.objects(subject, predicate):
        if not isinstance(obj, Literal) or not obj.language:
            raise VocabularyError(f"{filename}: {subject} {predicate} needs a language tag")
        if values.setdefault(obj.language.lower(), str(obj)) != str(obj):
            raise VocabularyError(f"{filename}: {subject} has two {predicate}@{obj.language}")
    return MappingProxyType(values)


def _iris(graph: Graph, subject: Node, predicate: URIRef) -> tuple[str, ...]:
    return tuple(sorted(str(o) for o in graph.objects(subject, predicate)))


def _sort_key(graph: Graph, concept: Concept) -> tuple[bool, int, str]:
    order = graph.value(URIRef(VOCAB_SENTINEL_BASE + concept.path), _ORDER)
    if order is None:
        return (True, 0, concept.notation)
    if not isinstance(order, Literal) or order.datatype != XSD.integer:
        raise VocabularyError(f"{concept.path}: gxv:order must be an integer")
    return (False, int(order.toPython()), concept.notation)


def _extra_properties(
    graph: Graph, filename: str, subject: Node, specs: tuple[PropertySpec, ...]
) -> dict[str, object]:
    result: dict[str, object] = {}
    for spec in specs:
        raw = list(graph.objects(subject, URIRef(spec.predicate)))
        values = sorted((_convert(filename, subject, spec, node) for node in raw), key=str)
        if spec.required and not values:
            raise VocabularyError(f"{filename}: {subject} lacks required {spec.predicate}")
        if spec.many:
            result[spec.name] = tuple(values)
        elif len(values) > 1:
            raise VocabularyError(f"{filename}: {subject} has several {spec.predicate}")
        elif values:
            result[spec.name] = values[0]
    return result


def _convert(filename: str, subject: Node, spec: PropertySpec, node: Node) -> object:
    where = f"{filename}: {subject} {spec.predicate}"
    if spec.kind == "iri":
        if not isinstance(node, URIRef):
            raise VocabularyError(f"{where} must be an IRI")
        return relative_path(str(node)) or str(node)
    if not isinstance(node, Literal):
        raise VocabularyError(f"{where} must be a literal")
    expected = {"bool": XSD.boolean, "int": XSD.integer, "str": None}[spec.kind]
    if node.datatype != expected and not (spec.kind == "str" and node.datatype == XSD.string):
        raise VocabularyError(f"{where} must be a {spec.kind} literal, got {node.n3()}")
    value = node.toPython()
    if spec.kind == "str":
        return str(value)
    if spec.kind == "bool" and not isinstance(value, bool):
        raise VocabularyError(f"{where}: {node.n3()} is not a valid boolean")
    if spec.kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        raise VocabularyError(f"{where}: {node.n3()} is not a valid integer")
    return value
