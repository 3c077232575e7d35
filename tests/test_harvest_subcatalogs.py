"""Each harvest source is a sub-catalog of the portal's DCAT output: described once, listed by
the catalog as a part, and holding its harvested datasets; the dump reads the provenance of
its datasets a batch at a time, not one query per dataset."""

from __future__ import annotations

import gzip

from rdflib import Graph, Literal, URIRef
from sqlalchemy import event, select

from catalog.harvest.models import HarvestRecord, HarvestSource
from catalog.services.datasets import create_dataset, publish_dataset
from vocab.namespaces import DCAT, DCT, FOAF, RDF

BASE = "http://gxdata.test"
TURTLE = "text/turtle"


def dcat_page(prefix: str, count: int) -> bytes:
    lines = [
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
    ]
    for i in range(count):
        uri = f"https://data.{prefix}.gov.cn/dataset/{i}"
        lines.append(
            f'<{uri}> a dcat:Dataset ; dct:title "{prefix}数据集{i}"@zh ; '
            f'dct:description "说明{i}"@zh ; dct:identifier "{prefix}-{i}" ; '
            f"dcat:distribution [ a dcat:Distribution ; dcat:downloadURL <{uri}.csv> ] ."
        )
    return "\n".join(lines).encode()


def source_catalog(session, name: str) -> URIRef:
    source_id = session.scalar(select(HarvestSource.id).where(HarvestSource.name == name))
    return URIRef(f"{BASE}/catalog/source/{source_id}")


def dataset_uri(session, remote_id: str) -> URIRef:
    stmt = select(HarvestRecord.dataset_id).where(HarvestRecord.remote_id == remote_id)
    return URIRef(f"{BASE}/dataset/{session.scalar(stmt)}")


def test_each_source_is_a_sub_catalog_of_its_datasets(
    source_server, new_source, harvest, session, client, tmp_path
):
    url = source_server.file("/nanning.ttl", dcat_page("nanning", 3), TURTLE)
    new_source("南宁市目录", "dcat", url)
    local = tmp_path / "qinzhou.ttl"
    local.write_bytes(dcat_page("qinzhou", 2))
    new_source("钦州市目录", "dcat", str(local))
    assert harvest("南宁市目录").counts["added"] == 3
    assert harvest("钦州市目录").counts["added"] == 2
    own = create_dataset(session, title="本平台自己的数据集", department=None)
    publish_dataset(session, own)
    session.commit()

    graph = Graph().parse(data=client.get("/catalog.ttl").get_data(as_text=True), format="turtle")
    catalog = URIRef(f"{BASE}/catalog")
    nanning, qinzhou = source_catalog(session, "南宁市目录"), source_catalog(session, "钦州市目录")
    parts = set(graph.objects(catalog, DCT.hasPart))
    assert {nanning, qinzhou} <= parts
    for part in (nanning, qinzhou):
        assert (part, RDF.type, DCAT.Catalog) in graph
        assert (part, DCT.isPartOf, catalog) in graph
        assert graph.value(part, DCT.publisher) is not None
        assert graph.value(part, DCT.description) is not None
    assert graph.value(nanning, DCT.title) == Literal("南宁市目录")
    assert graph.value(nanning, FOAF.homepage) == URIRef(url)
    assert graph.value(qinzhou, FOAF.homepage) is None  # a local path is never published
    assert str(tmp_path) not in graph.serialize(format="nt")

    members = {p: set(graph.objects(p, DCAT.dataset)) for p in (nanning, qinzhou)}
    assert members[nanning] == {
        dataset_uri(session, f"https://data.nanning.gov.cn/dataset/{i}") for i in range(3)
    }
    assert len(members[qinzhou]) == 2 and not members[nanning] & members[qinzhou]
    mine = URIRef(f"{BASE}/dataset/{own.id}")
    assert (catalog, DCAT.dataset, mine) in graph
    assert not any((p, DCAT.dataset, mine) in graph for p in parts)
    # its provenance statement names the source and the identifier there
    harvested = dataset_uri(session, "https://data.nanning.gov.cn/dataset/0")
    statement = graph.value(harvested, DCT.provenance)
    labels = {str(o) for o in graph.objects(statement, None) if isinstance(o, Literal)}
    assert any("南宁市目录" in label and "nanning-0" in label for label in labels)


def test_a_source_without_public_datasets_is_no_part(source_server, new_source, harvest, client):
    new_source("empty", "dcat", source_server.file("/empty.ttl", dcat_page("x", 0), TURTLE))
    harvest("empty")
    graph = Graph().parse(data=client.get("/catalog.ttl").get_data(as_text=True), format="turtle")
    parts = {str(p) for p in graph.objects(URIRef(f"{BASE}/catalog"), DCT.hasPart)}
    assert not any("/catalog/source/" in p for p in parts)


def test_the_dump_reads_provenance_by_batch(source_server, new_source, harvest, services, client):
    """The dump of 4 and of 40 harvested datasets runs the same number of queries."""

    def dump_queries(count: int) -> tuple[int, Graph]:
        name = f"source-{count}"
        page = dcat_page(f"s{count}", count)
        new_source(name, "dcat", source_server.file(f"/{name}.ttl", page, TURTLE))
        assert harvest(name).counts["added"] == count
        statements: list[str] = []

        def listen(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(services.engine, "before_cursor_execute", listen)
        try:
            body = client.get("/catalog/dump.nt.gz").get_data()
        finally:
            event.remove(services.engine, "before_cursor_execute", listen)
        graph = Graph().parse(data=gzip.decompress(body).decode(), format="nt")
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")]), graph

    few, _ = dump_queries(4)
    many, graph = dump_queries(40)
    assert many == few
    with services.session_factory() as session:
        part = source_catalog(session, "source-40")
        assert len(set(graph.objects(part, DCAT.dataset))) == 40


def test_a_source_sub_catalog_uri_dereferences(source_server, new_source, harvest, session, client):
    url = source_server.file("/nanning.ttl", dcat_page("nanning", 2), TURTLE)
    new_source("南宁市目录", "dcat", url)
    other = source_server.file("/beihai.ttl", dcat_page("beihai", 1), TURTLE)
    new_source("北海市目录", "dcat", other)
    harvest("南宁市目录"), harvest("北海市目录")
    part = source_catalog(session, "南宁市目录")
    path = part.removeprefix(BASE)

    rdf = client.get(path, headers={"Accept": TURTLE})
    assert rdf.status_code == 303
    page = client.get(rdf.headers["Location"].removeprefix(BASE))
    graph = Graph().parse(data=page.get_data(as_text=True), format="turtle")
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    source_id = int(path.rsplit("/", 1)[1])
    harvested = session.scalars(
        select(HarvestRecord.dataset_id).where(HarvestRecord.source_id == source_id)
    )
    assert datasets == {URIRef(f"{BASE}/dataset/{i}") for i in harvested}
    assert len(datasets) == 2
    assert client.get(path).status_code == 303  # a browser is sent to the catalog's page
    assert client.get("/catalog/source/999").status_code == 404
    assert client.get("/catalog/source/not-a-number").status_code == 404
    assert client.get("/catalog.ttl?source=x").status_code == 400
