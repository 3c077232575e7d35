"""DCAT catalogs in RDF: a URL or file in Turtle, RDF/XML, JSON-LD or N-Triples.

Listing: each page is read with :mod:`exports.dcat.documents` (JSON-LD contexts resolved
locally, never fetched) and its ``dcat:Dataset`` nodes become records, carrying their own
description as N-Triples; Hydra paging (``hydra:next``, ``hydra:nextPage``) is followed
until there is no next page. A page that is not valid RDF fails the job. Mapping: the
profile's parse direction (:func:`exports.dcat.parse.dataset_draft`), the same field table
the portal publishes with. ``config["base_url"]`` names the publishing portal when it is a
Guangxi portal whose ``{base}/ns#`` fields should be read; by default they are recognised.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from rdflib import BNode, Graph, URIRef

from catalog.drafts import DatasetDraft
from catalog.harvest.prepare import RecordIssue
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
from vocab.namespaces import DCAT, DCT

ACCEPT = (
    "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, "
    "application/n-triples;q=0.7, */*;q=0.1"
)
MAX_PAGES = 10_000


class DcatHarvester(BaseHarvester):
    kind = "dcat"

    def list_records(self) -> Iterator[RemoteRecord]:
        location: str | None = self.source.url
        visited: set[str] = set()
        while location:
            if location in visited:
                self.notes.append("paging-loop")
                return
            if len(visited) >= MAX_PAGES:
                raise SourceError("too-many-pages", f"more than {MAX_PAGES:,} pages")
            visited.add(location)
            graph, address = self._page(location)
            for subject in dataset_subjects(graph):
                yield self._record(graph, subject)
            location = next_page(graph, address)

    def _page(self, location: str) -> tuple[Graph, str]:
        fetched = self.fetcher.get(location, accept=ACCEPT)
        syntax = rdf_syntax(fetched.content_type, location, fetched.content)
        base = fetched.url if "://" in fetched.url else None
        try:
            return parse_document(fetched.content, syntax, base=base), fetched.url
        except DocumentError as error:
            raise SourceError(error.code, f"{location}: {error.message}") from None

    def _record(self, graph: Graph, subject: URIRef | BNode) -> RemoteRecord:
        title = _literal(graph, subject, DCT.title)
        if isinstance(subject, URIRef):
            remote_id = str(subject)
        else:
            remote_id = _literal(graph, subject, DCT.identifier) or _fingerprint(graph, subject)
        payload = describe(graph, subject).serialize(format="nt", encoding="utf-8")
        return RemoteRecord(remote_id, payload, title)

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
