"""Write a CSV table as RDF Turtle, after the W3C CSV on the Web conventions (CSV2RDF).

The output follows the standard mode of "Generating RDF from Tabular Data on the Web"
(W3C Recommendation, 2015): a ``csvw:TableGroup`` holding one ``csvw:Table`` whose
``csvw:url`` is the CSV file, one ``csvw:Row`` per data row with its ``csvw:rownum``,
``csvw:url`` (``<file#row=N>``, N counting the header as row 1) and ``csvw:describes``
pointing at a blank node that carries the cells. Each column's property is the default
``{+url}#{_name}`` (the column name, percent-encoded), relative to ``@base <file>``. Empty
cells give no triple. Values are typed from the table's Table Schema (integer →
``xsd:integer``, number → ``xsd:decimal``, boolean, date, datetime, year → ``xsd:gYear``);
a cell that does not read as its type stays a plain string, as CSV2RDF writes a cell it
could not parse. The table group says it was derived from the CSV (``prov:wasDerivedFrom``).

Written a row at a time: the file can be as large as its source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO
from urllib.parse import quote

from catalog.quality.validation.patterns import FAST_PATTERNS

CSVW = "http://www.w3.org/ns/csvw#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPE = re.compile(r'[\\"\n\r\t]')
_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
_DATE = re.compile(FAST_PATTERNS["date"])
_DATETIME = re.compile(FAST_PATTERNS["datetime"])
_YEAR = re.compile(r"^\d{4}$")


def literal(text: str) -> str:
    return '"' + _ESCAPE.sub(lambda m: _ESCAPES[m.group()], text) + '"'


def property_iri(name: str) -> str:
    """The default property of a column, relative to the file: ``<#name>``, percent-encoded."""
    return "<#" + quote(name, safe="") + ">"


class Typer:
    """Turns one column's cells into Turtle terms according to its Table Schema field."""

    def __init__(self, field: dict[str, Any]):
        self.type = field.get("type", "string")
        self.format = field.get("format", "default")
        self.true_values = set(field.get("trueValues", ["true", "True", "TRUE", "1"]))
        self.false_values = set(field.get("falseValues", ["false", "False", "FALSE", "0"]))

    def term(self, cell: str) -> str:
        kind = self.type if self.format == "default" else "string"
        if kind == "integer" and _INTEGER.match(cell):
            return str(int(cell))
        if kind == "number":
            try:
                number = Decimal(cell.strip())
            except InvalidOperation:
                return literal(cell)
            if number.is_finite():
                return f'"{number}"^^<{XSD}decimal>'
            return literal(cell)
        if kind == "boolean" and cell in self.true_values | self.false_values:
            return "true" if cell in self.true_values else "false"
        if kind == "date" and _DATE.match(cell):
            return f'"{cell}"^^<{XSD}date>'
        if kind == "datetime" and _DATETIME.match(cell):
            return f'"{cell.replace(" ", "T", 1)}"^^<{XSD}dateTime>'
        if kind == "year" and _YEAR.match(cell):
            return f'"{cell}"^^<{XSD}gYear>'
        return literal(cell)


def write_turtle(
    out: TextIO,
    csv_url: str,
    header: Sequence[str],
    fields: Sequence[dict[str, Any]],
    rows: Iterable[tuple[int, Sequence[str]]],
) -> int:
    """Write the table; ``rows`` are (row number in the file, cells). Returns rows written."""
    names = [name or f"_col.{i + 1}" for i, name in enumerate(header)]
    properties = [property_iri(name) for name in names]
    typers = [Typer(fields[i] if i < len(fields) else {}) for i in range(len(names))]
    out.write(f"@base <{csv_url}> .\n")
    out.write(f"@prefix csvw: <{CSVW}> .\n@prefix prov: <{PROV}> .\n")
    out.write(f"@prefix xsd: <{XSD}> .\n\n")
    out.write("_:group a csvw:TableGroup ;\n    prov:wasDerivedFrom <> ;\n")
    out.write("    csvw:table _:table .\n\n")
    out.write("_:table a csvw:Table ;\n    csvw:url <> .\n")
    count = 0
    for number, cells in rows:
        count += 1
        out.write(f"\n_:table csvw:row _:row{count} .\n")
        out.write(f"_:row{count} a csvw:Row ;\n    csvw:rownum {count} ;\n")
        out.write(f"    csvw:url <#row={number}> ;\n    csvw:describes _:r{count} .\n")
        terms = [
            f"    {properties[i]} {typers[i].term(cell)}"
            for i, cell in enumerate(cells[: len(names)])
            if cell != ""
        ]
        if terms:
            out.write(f"_:r{count}\n" + " ;\n".join(terms) + " .\n")
    return count
