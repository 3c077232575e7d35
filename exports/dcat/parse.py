"""DCAT-AP → drafts: the parse direction of the portal's profile (:mod:`exports.dcat.profile`).

The simple fields are read row by row from the same table the serializer writes; publisher,
contact point, temporal coverage and checksum are read here, as the table's ``STRUCTURED``
entry says. Reading is lenient where publishers differ and strict where a value would be
wrong: any language is read (Chinese preferred, then untranslated, then English; the other
languages are kept in ``extras["translations"]``), an IRI may arrive as a literal, but a date
whose lexical form does not fit its datatype is skipped with a warning rather than guessed
(the opendata.swiss examples of bad dates). A value that names no concept of ours is kept in
``extras["source_values"]``. Multi-valued things (keywords, distributions) come out sorted,
so the same graph always gives the same draft (and the same content hash).

Public interface: :func:`dataset_draft`, :func:`read_catalog`, :func:`dataset_subjects`,
:func:`describe`; the documents themselves are read by :mod:`exports.dcat.documents`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from catalog.drafts import DatasetDraft, DistributionDraft
from exports.dcat.documents import next_page as hydra_next_page
from exports.dcat.profile import (
    DATASET_FIELDS,
    DISTRIBUTION_FIELDS,
    KEYWORD_ALSO,
    MANDATORY_STAND_INS,
    Field,
    scheme_named,
)
from vocab import formats, licences, open_types
from vocab.namespaces import (
    DCAT,
    DCATAP,
    DCT,
    EU_FILE_TYPE,
    FOAF,
    IANA_MEDIA,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    SPDX,
    VCARD,
    XSD,
    gx_namespace,
)

Subject = URIRef | BNode

GX_NAMES = frozenset(
    f.predicate.removeprefix("gx:") for f in DATASET_FIELDS if not isinstance(f.predicate, URIRef)
)
NAME_PREDICATES = (FOAF.name, SKOS.prefLabel, VCARD.fn, RDFS.label, DCT.title)
SHA256 = SPDX.checksumAlgorithm_sha256
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
# Lexical forms by datatype; a literal without a known datatype may take any of them.
_DATETIME = re.compile(r"^-?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_DATE = re.compile(r"^-?\d{4}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$")
_YEAR_MONTH = re.compile(r"^\d{4}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")
LEXICAL_FORMS = {
    XSD.dateTime: (_DATETIME,),
    SCHEMA.DateTime: (_DATETIME,),
    XSD.date: (_DATE,),
    SCHEMA.Date: (_DATE,),
    XSD.gYearMonth: (_YEAR_MONTH,),
    XSD.gYear: (_YEAR,),
}
ANY_FORM = (_DATETIME, _DATE, _YEAR_MONTH, _YEAR)


@dataclass(frozen=True)
class ParseIssue:
    """A problem found while reading; ``code`` is stable and kebab-case."""

    code: str
    message: str
    subject: str | None = None
    field: str | None = None


class DatasetParseError(ValueError):
    """A dataset description that cannot become a draft (e.g. it has no title)."""

    def __init__(self, code: str, message: str, subject: str | None = None):
        super().__init__(message)
        self.issue = ParseIssue(code, message, subject)
        self.code = code


@dataclass
class CatalogRead:
    drafts: list[DatasetDraft] = field(default_factory=list)
    errors: list[ParseIssue] = field(default_factory=list)
    warnings: list[ParseIssue] = field(default_factory=list)
    next_page: str | None = None


def dataset_subjects(graph: Graph) -> list[Subject]:
    """Every ``dcat:Dataset`` of the graph, in a stable order."""
    found = {s for s in graph.subjects(RDF.type, DCAT.Dataset) if isinstance(s, URIRef | BNode)}
    return sorted(found, key=lambda s: (isinstance(s, BNode), str(s)))


def read_catalog(graph: Graph, base_url: str | None = None) -> CatalogRead:
    """Every dataset of a catalog page as a draft; a dataset that cannot be read is an error."""
    result = CatalogRead(next_page=hydra_next_page(graph))
    for subject in dataset_subjects(graph):
        try:
            result.drafts.append(dataset_draft(graph, subject, base_url, result.warnings))
        except DatasetParseError as error:
            result.errors.append(error.issue)
    result.drafts.sort(key=lambda d: (d.uri or "", d.identifier or "", d.title))
    return result


def dataset_draft(
    graph: Graph,
    subject: URIRef | BNode,
    base_url: str | None = None,
    warnings: list[ParseIssue] | None = None,
) -> DatasetDraft:
    """The draft of one ``dcat:Dataset``. ``base_url`` is the publishing portal's, for its
    ``{base}/ns#`` fields and ``{base}/vocab/…`` concepts; without it they are recognised
    from the graph. Problems that do not prevent a draft are appended to ``warnings``."""
    return _Reader(graph, base_url, warnings if warnings is not None else []).dataset(subject)


def describe(graph: Graph, subject: Subject, depth: int = 4) -> Graph:
    """The description of one dataset: its triples and those of the nodes it reaches
    (distributions, publisher, contact point …), but not other datasets or catalogs."""
    out = Graph()
    stops = {DCAT.Dataset, DCAT.Catalog, DCAT.DatasetSeries}
    frontier: list[Node] = [subject]
    seen: set[Node] = {subject}
    for _level in range(depth):
        following: list[Node] = []
        for node in frontier:
            for predicate, obj in graph.predicate_objects(node):
                out.add((node, predicate, obj))
                if obj in seen or not isinstance(obj, URIRef | BNode):
                    continue
                seen.add(obj)
                if not set(graph.objects(obj, RDF.type)) & stops:
                    following.append(obj)
        frontier = following
    return out


def infer_base_url(graph: Graph) -> str | None:
    """The base URL of a portal whose ``{base}/ns#`` fields appear in the graph."""
    for predicate in set(graph.predicates()):
        namespace, sep, local = str(predicate).rpartition("/ns#")
        if sep and local in GX_NAMES:
            return namespace
    return None


class _Reader:
    def __init__(self, graph: Graph, base_url: str | None, warnings: list[ParseIssue]):
        self.graph = graph
        self.base_url = (base_url or infer_base_url(graph) or "").rstrip("/") or None
        self.warnings = warnings
        gx = gx_namespace(self.base_url) if self.base_url else None
        self.dataset_rows = _rows(DATASET_FIELDS, gx)
        self.distribution_rows = _rows(DISTRIBUTION_FIELDS, gx)
        self.subject = ""

    # -- dataset and distributions ----------------------------------------------------------

    def dataset(self, subject: Subject) -> DatasetDraft:
        self.subject = str(subject)
        values: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        for row, predicate in self.dataset_rows:
            value = self.read(subject, row, predicate, extras)
            if value is not None:
                values[row.attribute] = value
        if not values.get("title"):
            raise DatasetParseError("missing-title", "the dataset has no dct:title", self.subject)
        for attribute, stand_in in MANDATORY_STAND_INS.items():
            if values.get(attribute) and values[attribute] == values.get(stand_in):
                del values[attribute]  # published in place of a missing value
        for attribute in KEYWORD_ALSO:  # published as a keyword too: not one of the keywords
            also = values.get(attribute)
            if also and also in values.get("keywords", ()):
                values["keywords"] = [k for k in values["keywords"] if k != also]
        if "category" not in values:
            hvd = self.concept(subject, DCATAP.hvdCategory, "category", "categories", {})
            if hvd is not None:
                values["category"] = hvd
        publisher_name, publisher_uri = self.publisher(subject)
        contact_name, contact_email, contact_phone = self.contact(subject)
        start, end = self.temporal(subject)
        distributions = [
            self.distribution(node)
            for node in self.graph.objects(subject, DCAT.distribution)
            if isinstance(node, URIRef | BNode)
        ]
        distributions.sort(key=_distribution_key)
        return DatasetDraft(
            **values,
            uri=str(subject) if isinstance(subject, URIRef) else None,
            publisher_name=publisher_name,
            publisher_uri=publisher_uri,
            contact_name=contact_name,
            contact_email=contact_email,
            contact_phone=contact_phone,
            temporal_start=start,
            temporal_end=end,
            distributions=distributions,
            extras=extras,
        )

    def distribution(self, node: URIRef | BNode) -> DistributionDraft:
        values: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        for row, predicate in self.distribution_rows:
            value = self.read(node, row, predicate, extras)
            if value is not None:
                values[row.attribute] = value
        if not values.get("title"):
            values["title"] = _fallback_title(values)
        return DistributionDraft(
            **values,
            sha256=self.checksum(node),
            uri=str(node) if isinstance(node, URIRef) else None,
        )

    # -- one row -----------------------------------------------------------------------------

    def read(self, node: Node, row: Field, predicate: URIRef, extras: dict[str, Any]) -> Any:
        kind = row.kind
        if kind == "text":
            return self.text(node, predicate, row.attribute, extras)
        if kind == "keywords":
            return self.keywords(node, predicate)
        if kind in ("datetime", "date"):
            return self.moment(node, predicate, row.attribute, as_date=kind == "date")
        if kind in ("concept", "mapped"):
            assert row.scheme is not None
            return self.concept(node, predicate, row.attribute, row.scheme, extras)
        values = sorted(self.graph.objects(node, predicate), key=str)
        if not values:
            return None
        if kind == "string":
            texts = [str(v).strip() for v in values if not isinstance(v, BNode)]
            return next((text for text in texts if text), None)
        if kind in ("integer", "nonnegative"):
            number = self.integer(values, row.attribute)
            return None if number is not None and number < 0 and kind == "nonnegative" else number
        if kind == "boolean":
            return self.boolean(values, row.attribute)
        if kind == "uri":
            return self.uri(values, row.attribute)
        raise ValueError(f"unknown field kind {kind!r}")

    def text(self, node: Node, predicate: URIRef, attribute: str, extras: dict[str, Any]) -> Any:
        literals = [o for o in self.graph.objects(node, predicate) if isinstance(o, Literal)]
        if not literals:
            return None
        chosen = min(literals, key=_language_rank)
        others = {
            (o.language or ""): str(o).strip() for o in literals if o.language != chosen.language
        }
        if others:
            extras.setdefault("translations", {})[attribute] = dict(sorted(others.items()))
        return str(chosen).strip() or None

    def keywords(self, node: Node, predicate: URIRef) -> list[str] | None:
        literals = [o for o in self.graph.objects(node, predicate) if isinstance(o, Literal)]
        if not literals:
            return None
        best = min(_language_rank(o)[0] for o in literals)
        words = {str(o).strip() for o in literals if _language_rank(o)[0] == best}
        return sorted(w for w in words if w) or None

    def moment(self, node: Node, predicate: URIRef, attribute: str, as_date: bool) -> Any:
        values = sorted(self.graph.objects(node, predicate), key=str)
        for value in values:
            moment = _moment(value)
            if moment is not None:
                return moment.date() if as_date else moment
        for value in values:
            self.warn("invalid-date", f"{attribute}: {str(value)!r} is not a valid date", attribute)
        return None

    def integer(self, values: list[Node], attribute: str) -> int | None:
        for value in values:
            try:
                number = Decimal(str(value).strip())
            except InvalidOperation:
                continue
            if number == number.to_integral_value():
                return int(number)
        self.warn("invalid-number", f"{attribute}: {str(values[0])!r} is not a number", attribute)
        return None

    def boolean(self, values: list[Node], attribute: str) -> bool | None:
        lexical = str(values[0]).strip().lower()
        if lexical in ("true", "1"):
            return True
        if lexical in ("false", "0"):
            return False
        self.warn("invalid-boolean", f"{attribute}: {lexical!r} is not true or false", attribute)
        return None

    def uri(self, values: list[Node], attribute: str) -> str | None:
        for value in values:
            text = str(value).strip()
            if not isinstance(value, BNode) and text.lower().startswith(("http://", "https://")):
                return text
        if any(not isinstance(v, BNode) for v in values):
            self.warn(
                "invalid-uri", f"{attribute}: {str(values[0])!r} is not an http(s) IRI", attribute
            )
        return None

    def concept(
        self, node: Node, predicate: URIRef, attribute: str, scheme: str, extras: dict[str, Any]
    ) -> str | None:
        objects = sorted(self.graph.objects(node, predicate), key=str)
        raw = [text for text in map(self.concept_text, objects) if text]
        if attribute == "open_type":
            return _strictest_open_type(raw, self.base_url)
        if attribute == "category":  # the portal's topics are dcat:theme values too
            topic_scheme = scheme_named("topics")
            raw = [v for v in raw if topic_scheme.lookup(v, self.base_url) is None or "/" not in v]
        for value in raw:
            found = self.resolve(attribute, scheme, value)
            if found is not None:
                return found
        if raw:
            extras.setdefault("source_values", {})[attribute] = raw
            self.warn(
                f"unknown-{attribute.replace('_', '-')}",
                f"{attribute}: {', '.join(raw)} is not in the portal's vocabulary",
                attribute,
            )
        return None

    def concept_text(self, value: Node) -> str | None:
        if isinstance(value, BNode):  # e.g. dct:format [ a dct:IMT; rdf:value "text/csv" ]
            for predicate in (RDF.value, SKOS.notation, SKOS.prefLabel, RDFS.label):
                found = self.graph.value(value, predicate)
                if found is not None:
                    return str(found).strip()
            return None
        return str(value).strip() or None

    def resolve(self, attribute: str, scheme: str, value: str) -> str | None:
        if attribute == "media_type":
            media_type = value.removeprefix(str(IANA_MEDIA))
            return media_type if re.match(r"^[\w.+-]+/[\w.+-]+", media_type) else None
        if scheme == "formats":
            fmt = formats.format_for(value)
            return fmt.notation if fmt else _unknown_format(value)
        if scheme == "licences":  # a licence the table does not know is kept as given
            concept = licences.licence(value)
            return concept.notation if concept else value
        concept = scheme_named(scheme).lookup(value, self.base_url)
        return concept.notation if concept else None

    # -- structured values -------------------------------------------------------------------

    def publisher(self, subject: Subject) -> tuple[str | None, str | None]:
        node = _first(self.graph.objects(subject, DCT.publisher))
        if node is None:
            return None, None
        if isinstance(node, Literal):
            return str(node).strip() or None, None
        return self.name(node), str(node) if isinstance(node, URIRef) else None

    def contact(self, subject: Subject) -> tuple[str | None, str | None, str | None]:
        node = _first(self.graph.objects(subject, DCAT.contactPoint))
        if node is None:
            return None, None, None
        if isinstance(node, Literal):
            return str(node).strip() or None, None, None
        name = self.name(node) or self.name(node, (VCARD["organization-name"],))
        email = self.contact_value(node, VCARD.hasEmail, "mailto:")
        phone = self.contact_value(node, VCARD.hasTelephone, "tel:")
        return name, email, phone

    def contact_value(self, node: Node, predicate: URIRef, scheme: str) -> str | None:
        value = _first(self.graph.objects(node, predicate))
        if isinstance(value, BNode):
            value = self.graph.value(value, VCARD.hasValue)
        if value is None:
            return None
        text = str(value).strip()
        return text[len(scheme) :] if text.lower().startswith(scheme) else text or None

    def temporal(self, subject: Subject) -> tuple[date | None, date | None]:
        starts: list[date] = []
        ends: list[date] = []
        for period in self.graph.objects(subject, DCT.temporal):
            for predicates, found in (
                ((DCAT.startDate, SCHEMA.startDate), starts),
                ((DCAT.endDate, SCHEMA.endDate), ends),
            ):
                for predicate in predicates:
                    for value in self.graph.objects(period, predicate):
                        moment = _moment(value)
                        if moment is None:
                            self.warn("invalid-date", f"temporal: {str(value)!r} is not a date")
                        else:
                            found.append(moment.date())
        return (min(starts) if starts else None, max(ends) if ends else None)

    def checksum(self, node: Node) -> str | None:
        for checksum in self.graph.objects(node, SPDX.checksum):
            algorithm = self.graph.value(checksum, SPDX.algorithm)
            value = str(self.graph.value(checksum, SPDX.checksumValue) or "").strip()
            if algorithm == SHA256 and _HEX64.match(value):
                return value.lower()
        return None

    def name(self, node: Node, predicates: Iterable[URIRef] = NAME_PREDICATES) -> str | None:
        for predicate in predicates:
            literals = [o for o in self.graph.objects(node, predicate) if isinstance(o, Literal)]
            if literals:
                return str(min(literals, key=_language_rank)).strip() or None
        return None

    def warn(self, code: str, message: str, attribute: str | None = None) -> None:
        self.warnings.append(ParseIssue(code, message, self.subject, attribute))


def _strictest_open_type(values: list[str], base_url: str | None) -> str | None:
    """The least open of the stated access rights; a value the vocabulary does not know is
    passed on as given, so that the harvest holds the record back (never taken as open)."""
    known = []
    for value in values:
        concept = open_types.open_type(value, base_url)
        if concept is None:
            return value
        known.append(concept)
    order = [c.notation for c in open_types.scheme()]  # most open first
    return max((c.notation for c in known), key=order.index, default=None)


def _rows(table: tuple[Field, ...], gx: Any) -> list[tuple[Field, URIRef]]:
    """The rows whose predicate is known: ``gx:`` rows only when the portal's base is."""
    return [(f, f.term(gx)) for f in table if gx is not None or isinstance(f.predicate, URIRef)]


def _language_rank(literal: Literal) -> tuple[int, str]:
    """Chinese first, then no language, then English, then the rest (alphabetically)."""
    language = (literal.language or "").lower()
    if language == "zh" or language.startswith("zh-"):
        return (0, language)
    if not language:
        return (1, "")
    if language == "en" or language.startswith("en-"):
        return (2, language)
    return (3, language)


def _moment(value: Node) -> datetime | None:
    """A datetime from a literal whose lexical form fits its datatype, else None."""
    if not isinstance(value, Literal):
        return None
    lexical = str(value).strip()
    forms = LEXICAL_FORMS.get(value.datatype, ANY_FORM) if value.datatype else ANY_FORM
    if not any(form.match(lexical) for form in forms):
        return None
    if _YEAR.match(lexical):
        lexical += "-01-01"
    elif _YEAR_MONTH.match(lexical):
        lexical += "-01"
    try:
        moment = datetime.fromisoformat(lexical.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _unknown_format(value: str) -> str | None:
    """A format outside the vocabulary, kept by name: the code of an EU file-type URI
    (``…/file-type/MAP_PRVW`` → ``MAP_PRVW``) or a short name such as ``GEOSCAN``."""
    if value.startswith(str(EU_FILE_TYPE)):
        return value[len(str(EU_FILE_TYPE)) :] or None
    if "/" not in value and len(value) <= 20:
        return value.upper()
    return None


def _first(values: Iterable[Node]) -> Node | None:
    ordered = sorted(values, key=lambda v: (isinstance(v, BNode), str(v)))
    return ordered[0] if ordered else None


def _fallback_title(values: dict[str, Any]) -> str:
    url = values.get("download_url") or values.get("access_url") or ""
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return name or values.get("format") or "数据文件"


def _distribution_key(draft: DistributionDraft) -> tuple[str, ...]:
    """URLs first, then every other value: equal keys are equal distributions."""
    first = (draft.download_url or "", draft.access_url or "", draft.title)
    return first + tuple(str(value) for value in vars(draft).values())
