"""Evaluate a SPARQL query on a pyoxigraph store and write the results.

SELECT and ASK results in the four standard formats (JSON, XML, CSV, TSV), CONSTRUCT and
DESCRIBE results as Turtle, N-Triples, RDF/XML or JSON-LD. The RDF dataset of a query is the
union of the store's graphs, unless the protocol's ``default-graph-uri``/``named-graph-uri``
name one (:class:`exports.sparql_protocol.QueryDataset`): then exactly those graphs, and a
graph the store does not hold is empty. Written here rather than by pyoxigraph
because the endpoint stops at a row limit. This module imports nothing of the project but
:mod:`exports.sparql_protocol`, so the store's worker process (:mod:`exports.sparql_worker`)
loads it cheaply.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from catalog.cells import safe_row
from exports.sparql_protocol import GRAPH_TYPES, RESULT_TYPES, Answer, QueryDataset, QueryFailed

__all__ = ["GRAPH_TYPES", "RESULT_TYPES", "Answer", "QueryFailed", "QueryOutcome", "answer"]


@dataclass
class QueryOutcome:
    kind: str  # "select", "ask" or "graph"
    variables: list[str]
    rows: list[list[Any]]  # select: pyoxigraph terms or None; graph: (s, p, o)
    boolean: bool | None
    truncated: bool


def evaluate(
    store: ox.Store, text: str, max_rows: int, deadline: float, dataset: QueryDataset | None = None
) -> QueryOutcome:
    """Run a read query over the union of the store's graphs (or the protocol's dataset), at
    most ``max_rows`` rows."""
    try:
        if dataset is None:
            answer = store.query(text, use_default_graph_as_union=True)
        else:
            answer = store.query(
                text,
                default_graph=[ox.NamedNode(iri) for iri in dataset.default_graphs],
                named_graphs=[ox.NamedNode(iri) for iri in dataset.named_graphs],
            )
    except (SyntaxError, ValueError) as error:  # ValueError: a graph name that is no IRI
        raise QueryFailed("malformed-query", f"the query is not SPARQL 1.1: {error}") from error
    except OSError as error:
        raise QueryFailed("query-failed", f"the query failed: {error}") from error
    if isinstance(answer, ox.QueryBoolean):
        return QueryOutcome("ask", [], [], bool(answer), False)
    variables: list[str] = []
    rows: list[list[Any]] = []
    truncated = False
    kind = "select" if isinstance(answer, ox.QuerySolutions) else "graph"
    if isinstance(answer, ox.QuerySolutions):
        variables = [v.value for v in answer.variables]
        items: Iterable[Any] = ([s[v] for v in variables] for s in answer)
    else:
        items = ([t.subject, t.predicate, t.object] for t in answer)
    for row in _until(items, deadline):
        if len(rows) >= max_rows:
            truncated = True
            break
        rows.append(row)
    return QueryOutcome(kind, variables, rows, None, truncated)


def _until(items: Iterable[Any], deadline: float) -> Iterator[Any]:
    for item in items:
        if time.monotonic() > deadline:
            raise QueryFailed("query-timeout", "the query ran out of time", 422)
        yield item


def answer(
    store: ox.Store,
    text: str,
    max_rows: int,
    deadline: float,
    result_key: str,
    graph_key: str,
    dataset: QueryDataset | None = None,
) -> Answer:
    outcome = evaluate(store, text, max_rows, deadline, dataset)
    if outcome.kind == "graph":
        return Answer("graph", graph_text(outcome, graph_key), graph_key, outcome.truncated)
    return Answer(outcome.kind, WRITERS[result_key](outcome), result_key, outcome.truncated)


def _json_term(term: Any) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def to_json(outcome: QueryOutcome) -> str:
    if outcome.kind == "ask":
        return json.dumps({"head": {}, "boolean": outcome.boolean})
    bindings = [
        {v: _json_term(t) for v, t in zip(outcome.variables, row, strict=True) if t is not None}
        for row in outcome.rows
    ]
    document = {"head": {"vars": outcome.variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False)


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"


def to_xml(outcome: QueryOutcome) -> str:
    head = '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
    if outcome.kind == "ask":
        value = "true" if outcome.boolean else "false"
        return head + f"<head/><boolean>{value}</boolean>\n</sparql>\n"
    parts = [head, "<head>"]
    parts += [f"<variable name={quoteattr(v)}/>" for v in outcome.variables]
    parts.append("</head>\n<results>\n")
    for row in outcome.rows:
        parts.append("<result>")
        for v, term in zip(outcome.variables, row, strict=True):
            if term is not None:
                parts.append(f"<binding name={quoteattr(v)}>{_xml_term(term)}</binding>")
        parts.append("</result>\n")
    parts.append("</results>\n</sparql>\n")
    return "".join(parts)


def to_csv(outcome: QueryOutcome) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if outcome.kind == "ask":
        writer.writerow(["_askResult"])
        writer.writerow(["true" if outcome.boolean else "false"])
        return buffer.getvalue()
    # SPARQL CSV results open in spreadsheets too: text that reads as a formula is neutralised
    # (a literal "=1+1" arrives as "'=1+1"; TSV writes literals quoted, so it needs nothing).
    writer.writerow(outcome.variables)
    for row in outcome.rows:
        writer.writerow(safe_row("" if t is None else _plain(t) for t in row))
    return buffer.getvalue()


def _plain(term: Any) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def to_tsv(outcome: QueryOutcome) -> str:
    if outcome.kind == "ask":
        return "?_askResult\n" + ("true" if outcome.boolean else "false") + "\n"
    lines = ["\t".join(f"?{v}" for v in outcome.variables)]
    for row in outcome.rows:
        lines.append("\t".join("" if t is None else str(t) for t in row))
    return "\n".join(lines) + "\n"


def graph_text(outcome: QueryOutcome, key: str) -> str:
    fmt = {
        "ttl": ox.RdfFormat.TURTLE,
        "nt": ox.RdfFormat.N_TRIPLES,
        "rdf": ox.RdfFormat.RDF_XML,
        "jsonld": ox.RdfFormat.JSON_LD,
    }
    triples = [ox.Triple(*row) for row in outcome.rows]
    return ox.serialize(triples, format=fmt[key]).decode("utf-8")  # type: ignore[union-attr]


WRITERS = {"json": to_json, "xml": to_xml, "csv": to_csv, "tsv": to_tsv}
