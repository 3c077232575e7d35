"""SPARQL 1.1 results in the four standard formats (JSON, XML, CSV, TSV) and graph results.

Written here rather than by pyoxigraph because the endpoint stops at a row limit: the rows
are already collected, and these functions write them.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from exports.sparql import QueryOutcome

RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {"ttl": "text/turtle", "nt": "application/n-triples", "rdf": "application/rdf+xml"}


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
    writer.writerow(outcome.variables)
    for row in outcome.rows:
        writer.writerow(["" if t is None else _plain(t) for t in row])
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
    fmt = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "rdf": ox.RdfFormat.RDF_XML}
    triples = [ox.Triple(*row) for row in outcome.rows]
    return ox.serialize(triples, format=fmt[key]).decode("utf-8")  # type: ignore[union-attr]


WRITERS = {"json": to_json, "xml": to_xml, "csv": to_csv, "tsv": to_tsv}
