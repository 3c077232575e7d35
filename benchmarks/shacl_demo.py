"""Validate the whole demo catalog against the DCAT-AP 3.0.1 and HVD SHACL shapes.

The test suite validates a representative sample; this script loads the demo catalog into a
temporary instance and validates everything it publishes: the catalog record and every
dataset (in pages of 100, each page a self-contained document), with the DCAT-AP shapes, and
every dataset of the ten categories with the HVD shapes. It prints the number of datasets,
violations and warnings, and the time taken.

    .venv/bin/python -m benchmarks.shacl_demo
"""

from __future__ import annotations

import collections
import tempfile
import time
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef

from catalog import migrate
from catalog.demo.loader import load_demo
from catalog.indexing import rebuild_index
from portal import create_app

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "shacl"
SH = Namespace("http://www.w3.org/ns/shacl#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
HVD_CATEGORY = URIRef("http://data.europa.eu/r5r/hvdCategory")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def shapes() -> tuple[Graph, Graph]:
    dcat_ap = Graph()
    for name in ("shapes.ttl", "shapes_recommended.ttl", "range.ttl", "mdr-vocabularies.shape.ttl"):
        dcat_ap.parse(FIXTURES / "dcat-ap-3.0.1" / name)
    restriction = URIRef("http://data.europa.eu/r5r#ChecksumAlgorithmRestriction")
    dcat_ap.set((restriction, SH.pattern, Literal("^https?://spdx.org/rdf/terms")))  # see tests
    return dcat_ap, Graph().parse(FIXTURES / "dcat-ap-hvd-3.0.0" / "hvd-SHACL.ttl")


def results(data: Graph, shape_graph: Graph, inference: str) -> collections.Counter[str]:
    _, report, _ = validate(data, shacl_graph=shape_graph, inference=inference, allow_warnings=True)
    counts: collections.Counter[str] = collections.Counter()
    for result in report.objects(None, SH.result):
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        counts[severity] += 1
        if severity == "Violation":
            print("  ", report.value(result, SH.focusNode), report.value(result, SH.resultMessage))
    return counts


def main() -> None:
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="gxdata-shacl-"))
    config = {
        "INSTANCE_PATH": str(tmp),
        "DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}",
        "SECRET_KEY": "s",
        "SPARQL_STORE": "",
        "BASE_URL": "http://gxdata.test",
    }
    app = create_app(config)
    services = app.extensions["gxdata"]
    migrate.upgrade(services.engine)
    with services.session_factory() as session:
        with session.begin():
            load_demo(session, services.files, app.config["MAX_UPLOAD_BYTES"])
        rebuild_index(session, services.search)
    print(f"demo catalog loaded in {time.perf_counter() - started:.0f} s")
    dcat_ap, hvd = shapes()
    client = app.test_client()
    totals: collections.Counter[str] = collections.Counter()
    hvd_totals: collections.Counter[str] = collections.Counter()
    datasets = hvd_datasets = 0
    page = 1
    while True:
        response = client.get(f"/catalog.ttl?page={page}")
        if response.status_code == 404:
            break
        data = Graph().parse(data=response.get_data(as_text=True), format="turtle")
        datasets += len(set(data.subjects(RDF_TYPE, DCAT.Dataset)))
        totals += results(data, dcat_ap, "none")
        high_value = set(data.subjects(HVD_CATEGORY, None)) & set(
            data.subjects(RDF_TYPE, DCAT.Dataset)
        )
        for dataset in high_value:
            single = client.get(f"{str(dataset).removeprefix('http://gxdata.test')}.ttl")
            graph = Graph().parse(data=single.get_data(as_text=True), format="turtle")
            hvd_totals += results(graph, hvd, "rdfs")
            hvd_datasets += 1
        page += 1
    print(f"DCAT-AP 3.0.1: {datasets} datasets in {page - 1} pages: "
          f"{totals['Violation']} violations, {totals['Warning']} warnings")  # fmt: skip
    print(f"HVD 3.0.0: {hvd_datasets} datasets of the ten categories: "
          f"{hvd_totals['Violation']} violations, {hvd_totals['Warning']} warnings")  # fmt: skip
    print(f"took {time.perf_counter() - started:.0f} s")
    services.close()


if __name__ == "__main__":
    main()
