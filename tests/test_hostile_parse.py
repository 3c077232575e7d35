"""Hostile files against every parser of the portal: JSON-LD contexts that point at the network
or the file system, documents nested too deep, billion laughs, merged ranges over a whole
sheet, zip bombs and sheets of too many rows. Each is built here (tests/bombs.py), refused
with its typed code, within a bounded time, and nothing is fetched or stored."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator

import bombs
import pytest
from rdflib import Graph
from sqlalchemy import select

from catalog.harvest.models import HarvestJob
from catalog.input_limits import Deadline, InputLimitError, InputLimits, json_depth
from catalog.models import Dataset
from catalog.preview import preview_table
from catalog.quality.models import ValidationReport
from catalog.quality.validation import validate_table
from catalog.quality.worker import Worker
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.departments import get_or_create_department
from catalog.services.distributions import store_file
from exports.dcat.documents import DocumentError, parse_document, refuse_remote_contexts
from harvesters.sheets import SheetError, counted_rows, read_tables
from portal.quality import enrich_context

JSONLD = "application/ld+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MARKER = "MARKER-7f3a-never-shown"
BOUND = 10.0  # seconds: generous; the old code took from 39 s to forever


def _dataset(context: dict | str, extra: dict | None = None) -> bytes:
    return json.dumps(
        {
            "@context": context,
            "@id": "https://data.gxzf.gov.cn/dataset/1",
            "@type": "http://www.w3.org/ns/dcat#Dataset",
            "http://purl.org/dc/terms/title": "上下文",
            **(extra or {}),
        }
    ).encode()


def _hostile_contexts(url: str) -> dict[str, bytes]:
    """Every place a JSON-LD document may name a context, each pointing at ``url``."""
    term = {"t": {"@id": "http://purl.org/dc/terms/title", "@context": url}}
    return {
        "term-scoped": _dataset(term, {"t": {"@value": "x"}}),
        "type-scoped": _dataset({"Dataset": {"@id": "http://www.w3.org/ns/dcat#Dataset",
                                             "@context": url}}, {"@type": "Dataset"}),
        "nested-node": _dataset({}, {"http://www.w3.org/ns/dcat#distribution": {
            "@context": url, "@id": "https://data.gxzf.gov.cn/d/1"}}),
        "in-list": _dataset([{"x": "http://e/x"}, {"y": {"@id": "http://e/y", "@context": [url]}}],
                            {"y": {"@id": "http://e/z"}}),
        "import": _dataset({"@import": url, "x": "http://e/x"}),
        "nested-context": _dataset({"@context": url}),
    }  # fmt: skip


def test_no_json_ld_context_is_ever_fetched_in_a_harvest(source_server, new_source, harvest):
    context = source_server.file("/ctx.jsonld", b'{"@context": {}}', JSONLD)
    for name, document in _hostile_contexts(context).items():
        url = source_server.file(f"/{name}.jsonld", document, JSONLD)
        new_source(name, "dcat", url)
        started = time.monotonic()
        report = harvest(name)
        assert time.monotonic() - started < BOUND
        assert (name, report.status, report.error_code) == (
            name, "failed", "jsonld-remote-context"
        )  # fmt: skip
    assert source_server.requests.count("/ctx.jsonld") == 0


def test_rdflib_itself_fetches_no_context(source_server):
    """The second lock: rdflib's loader refuses every URL even when the walk is bypassed."""
    source_server.file("/ctx.jsonld", b'{"@context": {}}', JSONLD)
    refuse_remote_contexts()
    for document in _hostile_contexts(source_server.url("/ctx.jsonld")).values():
        with pytest.raises(DocumentError):
            Graph().parse(data=document.decode(), format="json-ld")
    assert source_server.requests.count("/ctx.jsonld") == 0


def test_a_file_context_is_no_oracle(tmp_path, new_source, harvest, session):
    secret = tmp_path / "secret.jsonld"
    secret.write_text(json.dumps({"@context": {"title": f"http://{MARKER}/"}}))
    messages = {}
    for name, target in (("exists", secret), ("absent", tmp_path / "nothing.jsonld")):
        for kind, document in _hostile_contexts(target.as_uri()).items():
            source = tmp_path / f"{name}-{kind}.jsonld"
            source.write_bytes(document)
            new_source(f"{name}-{kind}", "dcat", str(source))
            report = harvest(f"{name}-{kind}")
            assert report.error_code == "jsonld-remote-context"
            messages[name, kind] = report.error_message.replace(str(source), "SOURCE")
    for kind in _hostile_contexts("x"):
        assert messages["exists", kind].replace("secret", "nothing") == messages["absent", kind]
    stored = [str(j.error_message) + str(j.notes) for j in session.scalars(select(HarvestJob))]
    assert MARKER not in " ".join(stored)
    assert not session.scalars(select(Dataset)).all()


@pytest.mark.parametrize(
    "syntax, document",
    [
        ("json-ld", bombs.deep_json_ld(100_000)),
        ("json-ld", bombs.deep_json_ld(500)),  # under json's own limit, over rdflib's
        ("json-ld", b"[" * 100_000 + b"]" * 100_000),
        ("turtle", b"<http://e/a> <http://e/p> " + b"[ <http://e/p> " * 5000 + b"1 ]" * 5000),
        ("turtle", b"<http://e/a> <http://e/p> " + b"( " * 5000 + b"1" + b" )" * 5000 + b" ."),
    ],
)
def test_deep_documents_are_refused_not_internal_errors(syntax, document):
    with pytest.raises(DocumentError) as refused:
        parse_document(document, syntax)
    assert refused.value.code == "document-too-deep"


def test_deep_json_ld_fails_the_job_with_its_code(source_server, new_source, harvest):
    new_source("deep", "dcat", source_server.file("/deep.jsonld", bombs.deep_json_ld(), JSONLD))
    report = harvest("deep")
    assert report.status == "failed" and report.error_code == "document-too-deep"


def test_a_deep_data_package_fails_the_job_with_its_code(source_server, new_source, harvest):
    deep = b'{"resources": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    new_source("deep", "datapackage", source_server.file("/datapackage.json", deep, "text/json"))
    report = harvest("deep")
    assert report.status == "failed" and report.error_code == "document-too-deep"


def test_json_depth_ignores_brackets_in_strings():
    assert json_depth(b'{"a": "[[[[{{{{", "b": [1, [2, {"c": "\\"]]]"}]]}') == 4
    assert json_depth(b"[]") == 1 and json_depth(b"1") == 0


def test_billion_laughs_is_refused_before_parsing(source_server, new_source, harvest, session):
    document = bombs.billion_laughs_rdf()
    assert len(document) < 1024
    new_source("laughs", "dcat", source_server.file("/laughs.rdf", document, "application/rdf+xml"))
    started = time.monotonic()
    report = harvest("laughs")
    assert time.monotonic() - started < BOUND
    assert report.status == "failed" and report.error_code == "xml-entities"
    assert not session.scalars(select(Dataset)).all()


def test_rdf_xml_with_a_doctype_but_no_entities_is_read():
    document = bombs.billion_laughs_rdf().replace(b"&l9;", b"title")
    document = document.split(b"<!DOCTYPE")[0] + b"<!DOCTYPE rdf:RDF>" + document.split(b"]>")[1]
    assert len(parse_document(document, "xml")) == 2


def _harvest_workbook(source_server, new_source, harvest, content, **settings):
    new_source("sheet", "spreadsheet", source_server.file("/catalog.xlsx", content, XLSX))
    started = time.monotonic()
    report = harvest("sheet", **settings)
    return report, time.monotonic() - started


def test_a_merged_range_over_the_whole_sheet(source_server, new_source, harvest, session):
    content = bombs.merge_cell_xlsx("A2:XFD1048576")
    assert len(content) < 2000
    report, seconds = _harvest_workbook(source_server, new_source, harvest, content)
    assert seconds < BOUND
    assert report.status == "failed" and report.error_code == "sheet-too-large"
    assert not session.scalars(select(Dataset)).all()


def test_entities_inside_a_workbook_are_refused(source_server, new_source, harvest, tmp_path):
    content = bombs.entities_xlsx()
    report, seconds = _harvest_workbook(source_server, new_source, harvest, content)
    assert seconds < BOUND
    assert report.status == "failed" and report.error_code == "xml-entities"
    path = tmp_path / "laughs.xlsx"
    path.write_bytes(content)
    assert validate_table(path, "XLSX").problem == "xml-entities"


def test_merged_ranges_together_within_the_cell_limit():
    limits = InputLimits(max_cells=1000)
    with pytest.raises(SheetError) as refused:
        read_tables(bombs.merge_cell_xlsx("A2:J1000"), limits=limits)
    assert refused.value.code == "sheet-too-large"
    (sheet,) = read_tables(bombs.merge_cell_xlsx("A2:A3"), limits=limits)
    assert sheet.rows[2][0] == "人口统计"  # a merge within the limits is still filled


@pytest.mark.parametrize(
    "settings, code",
    [
        (
            {"input_limits": InputLimits(max_unpacked_bytes=10**7, max_ratio=10**4)},
            "archive-too-large",
        ),
        ({}, "compression-ratio"),  # the default limits
    ],
)
def test_a_zip_bomb_fails_the_job(source_server, new_source, harvest, session, settings, code):
    content = bombs.zip_bomb_xlsx(30_000_000)
    assert len(content) < 200_000
    report, seconds = _harvest_workbook(source_server, new_source, harvest, content, **settings)
    assert seconds < BOUND
    assert report.status == "failed" and report.error_code == code
    assert not session.scalars(select(Dataset)).all()


def test_a_zip_directory_that_lies_about_a_size_bounds_the_read():
    content = bombs.lie_about_size(
        bombs.zip_bomb_xlsx(30_000_000, zip64=False), "xl/worksheets/sheet1.xml", 5000
    )
    started = time.monotonic()
    with pytest.raises(SheetError) as refused:
        read_tables(content)
    assert time.monotonic() - started < BOUND
    assert refused.value.code == "unreadable-spreadsheet"


@pytest.mark.parametrize("dimension, code", [(False, "too-many-rows"), (True, "sheet-too-large")])
def test_a_sheet_of_too_many_rows_is_refused_early(
    source_server, new_source, harvest, session, dimension, code
):
    content = bombs.many_rows_xlsx(50_000, dimension=dimension)
    report, seconds = _harvest_workbook(
        source_server, new_source, harvest, content, max_records=1000
    )
    assert seconds < BOUND
    assert report.status == "failed" and report.error_code == code
    assert not session.scalars(select(Dataset)).all()


def test_streaming_rows_stop_at_the_row_limit_and_the_deadline():
    def endless() -> Iterator[list[str]]:
        while True:
            yield ["x"]

    with pytest.raises(InputLimitError) as refused:
        for _ in counted_rows(endless(), InputLimits(max_rows=100_000), Deadline()):
            pass
    assert refused.value.code == "too-many-rows"
    with pytest.raises(InputLimitError) as late:
        for _ in counted_rows(endless(), InputLimits(max_rows=10**12), Deadline(0.2)):
            pass
    assert late.value.code == "time-limit-exceeded"


def test_validation_and_preview_of_a_zip_bomb(tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bombs.zip_bomb_xlsx(30_000_000))
    started = time.monotonic()
    report = validate_table(path, "XLSX")
    assert report.problem == "compression-ratio" and not report.valid
    assert preview_table(path, "XLSX").error == "compression-ratio"
    merged = tmp_path / "merged.xlsx"
    merged.write_bytes(bombs.merge_cell_xlsx())
    assert validate_table(merged, "XLSX").problem == "sheet-too-large"
    assert time.monotonic() - started < BOUND


def test_the_worker_stores_a_report_for_a_bomb(app, session, services):
    with session.begin():
        department = get_or_create_department(session, "南宁市统计局")
        dataset = create_dataset(session, title="炸弹", department=department)
        publish_dataset(session, dataset)
        distribution = store_file(
            session,
            services.files,
            dataset,
            file_name="bomb.xlsx",
            stream=io.BytesIO(bombs.zip_bomb_xlsx(30_000_000)),
            max_bytes=1_000_000,
        )
    with app.app_context():
        worker = Worker(services.session_factory, enrich_context(app, network=False))
    started = time.monotonic()
    outcomes = worker.run()
    assert time.monotonic() - started < BOUND * 2
    assert all(o.ok for o in outcomes)
    report = session.scalar(
        select(ValidationReport).where(ValidationReport.distribution_id == distribution.id)
    )
    assert report is not None and report.problem == "compression-ratio"


def test_sniffing_a_json_file_nested_past_the_stack(tmp_path):
    """Enrichment sniffs a stored file's format: JSON nested 100,000 deep is JSON it does not
    parse, not a RecursionError that fails the job."""
    from catalog.quality.enrichment.sniff import sniff

    path = tmp_path / "deep.json"
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    found = sniff(path, "JSON")
    assert found is not None and found.format == "JSON"
