"""The official DCAT-AP 3.0.1 shapes, unmodified, and how their results are classified.

Shared by ``tests/test_shacl.py`` and ``benchmarks/shacl_demo.py``. Every file of the release's
split shapes is loaded as published; :data:`KNOWN_SHAPE_ERRORS` lists the results of an official
shape that is itself wrong, which are counted apart rather than patched away:

- ``ChecksumAlgorithmRestriction`` (mdr-vocabularies.shape.ttl) requires the checksum algorithm
  IRI to match ``^https://spdx.org/rdf/terms``, while the SPDX namespace (used by DCAT 3 and by
  the same file's own ``spdx:`` prefix) is ``http://spdx.org/rdf/terms#``. The output keeps
  SPDX's real IRI (``spdx:checksumAlgorithm_sha256``).
"""

from __future__ import annotations

from pathlib import Path

from pyshacl import validate
from rdflib import Graph, Namespace, URIRef

SH = Namespace("http://www.w3.org/ns/shacl#")
SPDX_ALGORITHM = URIRef("http://spdx.org/rdf/terms#algorithm")
CHECKSUM_RESTRICTION = URIRef("http://data.europa.eu/r5r#ChecksumAlgorithmRestriction")
# (result path, shape named by the result's sh:sourceShape via sh:node, value prefix): results of
# an official shape that is itself wrong, counted apart (see the module docstring).
KNOWN_SHAPE_ERRORS = ((SPDX_ALGORITHM, CHECKSUM_RESTRICTION, "http://spdx.org/rdf/terms#"),)


OFFICIAL_FILES = frozenset({
    "shapes.ttl", "shapes_recommended.ttl", "range.ttl", "mdr-vocabularies.shape.ttl",
    "deprecateduris.ttl", "imports.ttl", "mdr_imports.ttl",
})  # fmt: skip


def official_dcat_ap_shapes(reference: Path) -> Graph:
    """Every file of the official DCAT-AP 3.0.1 split shapes (``reference``: shared/reference).

    imports.ttl and mdr_imports.ttl only name, with ``owl:imports``, the vocabularies the shapes
    assume; they are loaded as published and not followed (the tests stay offline; the output
    describes the concepts it uses itself).
    """
    shapes = Graph()
    files = sorted((reference / "dcat-ap" / "3.0.1" / "shacl-split").glob("*.ttl"))
    assert {f.name for f in files} >= OFFICIAL_FILES, files
    for path in files:
        shapes.parse(path)
    return shapes


def classify(data: Graph, shapes: Graph, inference: str = "none") -> tuple[list[str], list[str]]:
    """(violations, violations of a known-wrong official shape) of ``data``."""
    found, known, _ = split_results(data, shapes, inference)
    return found, known


def split_results(
    data: Graph, shapes: Graph, inference: str = "none"
) -> tuple[list[str], list[str], int]:
    """Violations, violations of a known-wrong official shape, and the number of warnings."""
    _, report, _ = validate(data, shacl_graph=shapes, inference=inference, allow_warnings=True)
    found, known, warnings = [], [], 0
    for result in report.objects(None, SH.result):
        if report.value(result, SH.resultSeverity) != SH.Violation:
            warnings += report.value(result, SH.resultSeverity) == SH.Warning
            continue
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        source = report.value(result, SH.sourceShape)
        value = str(report.value(result, SH.value) or "")
        line = f"{focus} {path}: {report.value(result, SH.resultMessage)}"
        if any(
            path == p and (source, SH.node, shape) in shapes and value.startswith(prefix)
            for p, shape, prefix in KNOWN_SHAPE_ERRORS
        ):
            known.append(line)
        else:
            found.append(line)
    return found, known, warnings


def violations(data: Graph, shapes: Graph, inference: str = "none") -> list[str]:
    return classify(data, shapes, inference)[0]
