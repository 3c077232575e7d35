"""The quarterly figures as an RDF Data Cube (``qb:``) dataset in Turtle.

One ``qb:DataSet`` per quarter, with one ``qb:DataStructureDefinition`` (the same URI every
quarter): the dimensions are the period (``sdmx-dimension:refPeriod``, a reference.data.gov.uk
quarter interval), the reporting unit (``gxs:reportingUnit``: the platform as the region, a
city as its division concept, a department as its organization URI) and ``qb:measureType``;
one ``qb:MeasureProperty`` per measure (``gxs:<code>``); the unit
(``sdmx-attribute:unitMeasure``, a QUDT unit) is a required attribute on every observation.
So there is one ``qb:Observation`` per (quarter, unit, measure).

The cube keeps the measures that every unit it reports has (IC-17: each combination of
non-measure dimensions has every declared measure); the others stay in the CSV and JSON. Units
that hold no dataset (hits of something withdrawn, or of no dataset) are in the platform's
totals only. The components are written in the abbreviated form (``qb:dimension``,
``qb:measure``, ``qb:attribute``), which the normalization algorithm of the specification
expands; tests/test_quarterly_stats.py normalizes and runs the integrity constraints.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from catalog.uris import department_uri
from vocab import divisions
from vocab.namespaces import (
    DCT,
    QB,
    QUDT_UNIT,
    RDFS,
    SDMX_ATTRIBUTE,
    SDMX_CONCEPT,
    SDMX_DIMENSION,
    UK_QUARTER,
    XSD,
)

UNITS = {"count": QUDT_UNIT.NUM, "ratio": QUDT_UNIT.FRACTION, "percent": QUDT_UNIT.PERCENT}
REGION = "450000"


def stats_namespace(base_url: str) -> str:
    """The terms of the cube: ``{base}/stats/def#`` (``gxs:``)."""
    return f"{base_url.rstrip('/')}/stats/def#"


def dataset_uri(base_url: str, quarter: str) -> URIRef:
    return URIRef(f"{base_url.rstrip('/')}/stats/{quarter}#cube")


def period_uri(quarter: str) -> URIRef:
    return UK_QUARTER[f"{quarter[:4]}-Q{quarter[5]}"]


def unit_uri(base_url: str, row: dict[str, Any]) -> URIRef | None:
    if row["scope"] == "platform":
        return URIRef(divisions.region().uri(base_url))
    if row["scope"] == "city":
        concept = divisions.division(row["key"])
        return URIRef(concept.uri(base_url)) if concept else None
    if row["key"] and row["key"] != "-":
        return URIRef(department_uri(base_url, row["key"]))
    return None


def cube_measures(figures: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The measured measures that every reported unit has a value of."""
    return [
        m
        for m in figures["measures"]
        if m["measured"] and rows and all(m["code"] in r["values"] for r in rows)
    ]


def cube_rows(figures: dict[str, Any], base_url: str) -> list[dict[str, Any]]:
    return [
        r
        for r in figures["rows"]
        if unit_uri(base_url, r) is not None
        and (r["scope"] == "platform" or r["values"].get("datasets", 0) > 0)
    ]


def cube_graph(figures: dict[str, Any], base_url: str) -> Graph:
    gxs = stats_namespace(base_url)
    graph = Graph()
    for prefix, namespace in (("qb", QB), ("sdmx-dimension", SDMX_DIMENSION),
                              ("sdmx-attribute", SDMX_ATTRIBUTE), ("dct", DCT), ("gxs", gxs),
                              ("unit", QUDT_UNIT), ("quarter", UK_QUARTER)):  # fmt: skip
        graph.bind(prefix, namespace)
    rows = cube_rows(figures, base_url)
    measures = cube_measures(figures, rows)
    dsd = URIRef(gxs + "structure")
    unit_dimension = URIRef(gxs + "reportingUnit")
    _structure(graph, dsd, unit_dimension, measures, gxs)
    quarter = figures["quarter"]
    cube = dataset_uri(base_url, quarter)
    graph.add((cube, RDF.type, QB.DataSet))
    graph.add((cube, QB.structure, dsd))
    graph.add((cube, RDFS.label, Literal(f"广西公共数据开放平台 {quarter} 季度统计", lang="zh")))
    graph.add((cube, RDFS.label, Literal(f"Guangxi open data portal, {quarter}", lang="en")))
    graph.add((cube, DCT.issued, Literal(figures["computed_at"], datatype=XSD.dateTime)))
    status = "最终数据" if figures["status"] == "final" else "初步数据（本季度尚未结束）"
    graph.add((cube, RDFS.comment, Literal(status, lang="zh")))
    period = period_uri(quarter)
    for row in rows:
        unit = unit_uri(base_url, row)
        assert unit is not None
        for measure in measures:
            observation = URIRef(f"{cube}/{row['scope']}/{_safe(row['key'])}/{measure['code']}")
            prop = URIRef(gxs + measure["code"])
            graph.add((observation, RDF.type, QB.Observation))
            graph.add((observation, QB.dataSet, cube))
            graph.add((observation, SDMX_DIMENSION.refPeriod, period))
            graph.add((observation, unit_dimension, unit))
            graph.add((observation, QB.measureType, prop))
            graph.add((observation, prop, _literal(row["values"][measure["code"]], measure)))
            graph.add((observation, SDMX_ATTRIBUTE.unitMeasure, UNITS[measure["unit"]]))
    return graph


def _structure(
    graph: Graph, dsd: URIRef, unit_dimension: URIRef, measures: list[dict[str, Any]], gxs: str
) -> None:
    graph.add((dsd, RDF.type, QB.DataStructureDefinition))
    graph.add((dsd, RDFS.label, Literal("季度统计的结构", lang="zh")))
    components: list[tuple[URIRef, URIRef, int | None]] = [
        (QB.dimension, SDMX_DIMENSION.refPeriod, 1),
        (QB.dimension, unit_dimension, 2),
        (QB.dimension, QB.measureType, 3),
        (QB.attribute, SDMX_ATTRIBUTE.unitMeasure, None),
    ]
    components += [(QB.measure, URIRef(gxs + m["code"]), None) for m in measures]
    for kind, prop, order in components:
        spec = URIRef(f"{dsd}-{_local(prop)}")  # named, so that the text is the same each time
        graph.add((dsd, QB.component, spec))
        graph.add((spec, kind, prop))
        if order is not None:
            graph.add((spec, QB.order, Literal(order)))
        if kind == QB.attribute:
            graph.add((spec, QB.componentRequired, Literal(True)))
    # the dimensions and the attribute, as the SDMX-RDF and qb vocabularies define them
    graph.add((SDMX_DIMENSION.refPeriod, RDF.type, QB.DimensionProperty))
    graph.add((SDMX_DIMENSION.refPeriod, RDFS.range, RDFS.Resource))
    graph.add((SDMX_DIMENSION.refPeriod, QB.concept, SDMX_CONCEPT.refPeriod))
    graph.add((QB.measureType, RDF.type, QB.DimensionProperty))
    graph.add((QB.measureType, RDFS.range, QB.MeasureProperty))
    graph.add((unit_dimension, RDF.type, QB.DimensionProperty))
    graph.add((unit_dimension, RDFS.range, RDFS.Resource))
    graph.add((unit_dimension, RDFS.label, Literal("填报单位（全区、设区市或部门）", lang="zh")))
    graph.add((unit_dimension, RDFS.label, Literal("Reporting unit", lang="en")))
    graph.add((SDMX_ATTRIBUTE.unitMeasure, RDF.type, QB.AttributeProperty))
    graph.add((SDMX_ATTRIBUTE.unitMeasure, QB.concept, SDMX_CONCEPT.unitMeasure))
    for measure in measures:
        prop = URIRef(gxs + measure["code"])
        graph.add((prop, RDF.type, QB.MeasureProperty))
        graph.add((prop, RDFS.label, Literal(measure["label_zh"], lang="zh")))
        graph.add((prop, RDFS.label, Literal(measure["label_en"], lang="en")))
        graph.add((prop, RDFS.range, XSD.integer if measure["unit"] == "count" else XSD.decimal))


def _literal(value: Any, measure: dict[str, Any]) -> Literal:
    if measure["unit"] == "count":
        return Literal(int(value), datatype=XSD.integer)
    return Literal(str(value), datatype=XSD.decimal)


def _local(prop: URIRef) -> str:
    return str(prop).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _safe(key: str) -> str:
    return quote(key or "all", safe="")


def to_turtle(figures: dict[str, Any], base_url: str) -> str:
    return cube_graph(figures, base_url).serialize(format="turtle")
