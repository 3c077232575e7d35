"""DCAT catalogs in RDF: a URL or file in Turtle, RDF/XML, JSON-LD or N-Triples.

Listing: each page is read with :mod:`exports.dcat.documents` (JSON-LD contexts resolved
locally, never fetched) and its ``dcat:Dataset`` nodes become records, carrying their own
description as N-Triples; Hydra paging (``hydra:next``, ``hydra:nextPage``) is followed
until there is no next page, on the source's own origin only: a next page on another scheme,
host or port is not fetched (note ``foreign-next-page:<url>``), so a catalog cannot make the
portal harvest, under its name, what another site holds. A page that is not valid RDF fails
the job. Mapping: the profile's parse direction (:func:`exports.dcat.parse.dataset_draft`),
the same field table the portal publishes with. ``config["base_url"]`` names the publishing
portal when it is a Guangxi portal whose ``{base}/ns#`` fields should be read; by default
they are recognised.

Incremental runs: DCAT has no standard way to ask a server for what changed, so every page is
still read; but a record the portal already holds whose ``dct:modified`` (or that of its
distributions or catalog record, whichever is latest) is older than the start of the last
successful run is left unread: neither mapped nor hashed. Its id is still listed
(:meth:`DcatHarvester.complete_ids`), so it is not taken for gone. A record without
``dct:modified``, one the portal does not hold, and one missing or archived are always read.
A date without time counts as its whole day, and a time without zone as possibly 14 hours
later in UTC, so that no change is skipped for the sake of a time zone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from rdflib import BNode, Graph, Literal, URIRef

from catalog.drafts import DatasetDraft
from catalog.harvest.prepare import RecordIssue, clean_text
from exports.dcat.documents import DocumentError, next_page, parse_document, rdf_syntax
from exports.dcat.parse import (
    DatasetParseError,
    ParseIssue,
    dataset_draft,
    dataset_subjects,
    describe,
)
from harvesters.base import BaseHarvester, RecordError, SourceError
from harvesters.spool import RemoteRecord
from vocab.namespaces import DCAT, DCT, FOAF

ACCEPT = (
    "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, "
    "application/n-triples;q=0.7, */*;q=0.1"
)
MAX_PAGES = 10_000
ZONE_MARGIN = timedelta(hours=14)  # the farthest a local time is from UTC


class DcatHarvester(BaseHarvester):
    kind = "dcat"
    incremental = True

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.listed: set[str] = set()  # every record id the pages list, read or not

    def list_records(self) -> Iterator[RemoteRecord]:
        unmodified = 0
        for graph in self._pages():
            for subject in dataset_subjects(graph):
                remote_id = _remote_id(graph, subject)
                self.listed.add(remote_id)
                if self._unmodified(graph, subject, remote_id):
                    unmodified += 1
                    continue
                payload = _ntriples(describe(graph, subject))
                yield RemoteRecord(remote_id, payload, _literal(graph, subject, DCT.title))
        if unmodified:
            self.notes.append(f"not-modified:{unmodified}")

    def complete_ids(self) -> set[str] | None:
        return set(self.listed)

    def _pages(self) -> Iterator[Graph]:
        location: str | None = self.source.url
        origin = _origin(self.source.url)
        visited: set[str] = set()
        while location:
            if location in visited:
                self.notes.append("paging-loop")
                return
            if len(visited) >= MAX_PAGES:
                raise SourceError("too-many-pages", f"more than {MAX_PAGES:,} pages")
            visited.add(location)
            graph, address = self._page(location)
            yield graph
            location = next_page(graph, address)
            if location is not None and _origin(location) != origin:
                self.notes.append(f"foreign-next-page:{location[:300]}")
                return

    def _unmodified(self, graph: Graph, subject: URIRef | BNode, remote_id: str) -> bool:
        """Whether the record is held, current, and last modified before ``since``."""
        if self.since is None or remote_id not in self.current:
            return False
        changed = latest_change(graph, subject)
        return changed is not None and changed < self.since

    def _page(self, location: str) -> tuple[Graph, str]:
        fetched = self.fetcher.get(location, accept=ACCEPT)
        syntax = rdf_syntax(fetched.content_type, location, fetched.content)
        base = fetched.url if "://" in fetched.url else None
        try:
            graph = parse_document(fetched.content, syntax, base=base, limits=self.input_limits())
            return graph, fetched.url
        except DocumentError as error:
            raise SourceError(error.code, f"{location}: {error.message}") from None

    def map_record(self, record: RemoteRecord, warnings: list[RecordIssue]) -> DatasetDraft:
        graph = Graph()
        graph.parse(data=record.payload, format="nt")
        subjects = dataset_subjects(graph)
        if len(subjects) != 1:
            raise RecordError("malformed-record", "the record does not describe one dataset")
        issues: list[ParseIssue] = []
        try:
            draft = dataset_draft(graph, subjects[0], self.source.config.get("base_url"), issues)
        except DatasetParseError as error:
            raise RecordError(error.code, error.issue.message) from None
        warnings.extend(RecordIssue(i.code, i.message, i.field) for i in issues)
        if isinstance(subjects[0], BNode) and not draft.identifier:
            warnings.append(
                RecordIssue(
                    "no-identifier",
                    "a blank node without dct:identifier: matched by its title and links",
                )
            )
        return draft


def latest_change(graph: Graph, subject: URIRef | BNode) -> datetime | None:
    """The latest moment (naive UTC) the record may have changed: its ``dct:modified``, or a
    later one of its distributions or catalog record; None when it has no readable own
    ``dct:modified`` (such a record is always read)."""
    own = [_latest_moment(value) for value in graph.objects(subject, DCT.modified)]
    if not own or None in own:
        return None
    others = [
        *(d for d in graph.objects(subject, DCAT.distribution)),
        *(r for r in graph.subjects(FOAF.primaryTopic, subject)),
    ]
    moments = [*own, *(_latest_moment(v) for o in others for v in graph.objects(o, DCT.modified))]
    if None in moments:
        return None
    return max(m for m in moments if m is not None)


def _latest_moment(value: object) -> datetime | None:
    """A literal date or time as the latest naive UTC moment it can mean."""
    if not isinstance(value, Literal):
        return None
    moment = value.toPython()
    if isinstance(moment, Literal) or isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            return moment + ZONE_MARGIN
        return moment.astimezone(UTC).replace(tzinfo=None)
    if isinstance(moment, date):
        return datetime(moment.year, moment.month, moment.day) + timedelta(days=1) + ZONE_MARGIN
    return None


def _ntriples(graph: Graph) -> bytes:
    """The record's N-Triples in UTF-8. A lone surrogate, which no UTF-8 holds (rdflib's
    serializer raises), is written as an N-Triples escape (``\\ud800``) that
    :meth:`DcatHarvester.map_record` reads back: the draft then holds it and the record is
    rejected as ``invalid-text`` naming the field, instead of the whole listing failing."""
    try:
        return graph.serialize(format="nt", encoding="utf-8")
    except UnicodeEncodeError:
        rows = (" ".join(map(_nt_term, triple)) + " .\n" for triple in graph)
        return clean_text("".join(rows)).encode("utf-8")


def _nt_term(term: Any) -> str:
    if isinstance(term, Literal):
        text = str(term).replace("\\", "\\\\").replace('"', '\\"')
        quoted = '"' + text.replace("\n", "\\n").replace("\r", "\\r") + '"'
        if term.language:
            return f"{quoted}@{term.language}"
        return f"{quoted}^^<{term.datatype}>" if term.datatype else quoted
    if isinstance(term, BNode):
        return f"_:{term}"
    return f"<{term}>"


def _origin(location: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, the port made explicit; ("", "", None) for a path."""
    parts = urlsplit(location)
    if parts.scheme not in ("http", "https"):
        return ("", "", None) if "://" not in location else (parts.scheme, "", None)
    try:
        port = parts.port or {"http": 80, "https": 443}[parts.scheme]
    except ValueError:  # a port that is no number: nothing it could be the same as
        return (parts.scheme, "?", None)
    return (parts.scheme, parts.hostname or "", port)


def _remote_id(graph: Graph, subject: URIRef | BNode) -> str:
    """A dataset's id at the source: its URI, else its dct:identifier, else a fingerprint."""
    if isinstance(subject, URIRef):
        return str(subject)
    return _literal(graph, subject, DCT.identifier) or _fingerprint(graph, subject)


def _literal(graph: Graph, subject: URIRef | BNode, predicate: URIRef) -> str | None:
    values = sorted(str(v).strip() for v in graph.objects(subject, predicate))
    return next((v for v in values if v), None)


def _fingerprint(graph: Graph, subject: BNode) -> str:
    """A stable id for a blank-node dataset without identifier: its title, landing page and
    download links (blank node labels change at every parse)."""
    parts = [
        *sorted(str(v) for v in graph.objects(subject, DCT.title)),
        *sorted(str(v) for v in graph.objects(subject, DCAT.landingPage)),
        *sorted(
            str(url)
            for distribution in graph.objects(subject, DCAT.distribution)
            for url in graph.objects(distribution, DCAT.downloadURL)
        ),
    ]
    return "bnode-" + hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:20]
