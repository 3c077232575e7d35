"""Licences: the platform's terms of use (平台数据使用协议) are the licence of every dataset
whose own record and department name none; every output publishes the effective licence."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from alembic import command
from factories import full_dataset
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from catalog import migrate
from catalog.changes import log_head
from catalog.licensing import effective_licence, licence_sources
from catalog.models import Dataset, Department, Distribution
from catalog.queries import get_public_dataset
from exports.schema_org import dataset_jsonld
from vocab import licences

BASE = "http://gxdata.test"
TERMS = URIRef(f"{BASE}/terms")
CC_BY = URIRef("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0")
DCT = Namespace("http://purl.org/dc/terms/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")


@pytest.fixture
def unlicensed(services):
    """A published dataset naming no licence, with one file, committed."""
    with services.session_factory() as session, session.begin():
        dataset = full_dataset(session, licence=None)
        ids = dataset.id, dataset.slug, dataset.department.slug
    return ids


def _set_department_licence(services, slug: str, value: str | None) -> None:
    with services.session_factory() as session, session.begin():
        department = session.scalar(sa.select(Department).where(Department.slug == slug))
        department.default_licence = value


def test_the_dataset_s_licence_then_the_department_s_then_the_platform_s(session):
    dataset = full_dataset(session, licence=None)
    found = effective_licence(dataset)
    assert (found.notation, found.source) == ("gxdata-terms", "platform")
    assert found.is_platform_default and found.is_open
    assert found.document_uri(BASE) == f"{BASE}/terms"
    dataset.department.default_licence = "ODbL-1.0"
    assert (effective_licence(dataset).notation, effective_licence(dataset).source) == (
        "ODbL-1.0",
        "department",
    )
    dataset.licence = "CC-BY-4.0"
    found = effective_licence(dataset)
    assert (found.notation, found.source) == ("CC-BY-4.0", "dataset")
    assert found.document_uri(BASE) == str(CC_BY)
    session.flush()
    assert licence_sources(session) == {"dataset": 1, "department": 0, "platform": 0}


def test_the_terms_are_a_licence_of_the_vocabulary():
    concept = licences.scheme().require(licences.PLATFORM_TERMS)
    assert concept.label("zh") == "广西公共数据开放平台数据使用协议"
    assert licences.portal_page(concept) == "terms"
    assert licences.is_open("gxdata-terms") and concept.text("od_conformance") == "not reviewed"


def _graph(client, path: str) -> Graph:
    response = client.get(path)
    assert response.status_code == 200, path
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


def test_dcat_publishes_the_terms_on_the_dataset_and_its_files(client, unlicensed):
    dataset_id, _, _ = unlicensed
    graph = _graph(client, f"/dataset/{dataset_id}.ttl")
    dataset = URIRef(f"{BASE}/dataset/{dataset_id}")
    assert set(graph.objects(dataset, DCT.license)) == {TERMS}
    files = list(graph.objects(dataset, DCAT.distribution))
    assert files and all(set(graph.objects(d, DCT.license)) == {TERMS} for d in files)
    assert (TERMS, RDF.type, DCT.LicenseDocument) in graph
    titles = {str(t) for t in graph.objects(TERMS, DCT.title)}
    assert "广西公共数据开放平台数据使用协议" in titles


def test_dcat_publishes_a_department_s_default(client, services, unlicensed):
    dataset_id, _, department = unlicensed
    _set_department_licence(services, department, "CC-BY-4.0")
    graph = _graph(client, f"/dataset/{dataset_id}.ttl")
    dataset = URIRef(f"{BASE}/dataset/{dataset_id}")
    assert set(graph.objects(dataset, DCT.license)) == {CC_BY}
    assert TERMS not in set(graph.subjects())


def test_ckan_package_show_names_the_terms(client, unlicensed):
    dataset_id, _, _ = unlicensed
    result = client.get(f"/api/3/action/package_show?id={dataset_id}").get_json()["result"]
    assert result["license_id"] == "gxdata-terms"
    assert result["license_title"] == "广西公共数据开放平台数据使用协议"
    assert result["license_url"] == f"{BASE}/terms"


def test_rest_api_schema_org_and_datapackage_name_the_terms(client, session, unlicensed):
    dataset_id, slug, _ = unlicensed
    licence = client.get(f"/api/v1/datasets/{dataset_id}").get_json()["licence"]
    assert licence["code"] == "gxdata-terms" and licence["source"] == "platform"
    assert licence["url"] == f"{BASE}/terms"
    package = client.get(f"/dataset/{slug}/datapackage.json").get_json()
    assert package["licenses"] == [
        {
            "name": "gxdata-terms",
            "title": "Guangxi Public Data Platform Terms of Use",
            "path": f"{BASE}/terms",
        }
    ]
    node = dataset_jsonld(get_public_dataset(session, dataset_id), BASE)
    assert node["license"] == f"{BASE}/terms"


def test_the_dataset_page_says_the_platform_default_applies(client, services, unlicensed):
    _, slug, department = unlicensed
    page = client.get(f"/dataset/{slug}").get_data(as_text=True)
    assert "本数据集未单独声明许可，适用平台数据使用协议" in page
    assert f'href="{BASE}/terms" rel="license"' in page
    _set_department_licence(services, department, "CC-BY-4.0")
    page = client.get(f"/dataset/{slug}").get_data(as_text=True)
    assert "本数据集未单独声明许可" not in page
    assert "https://creativecommons.org/licenses/by/4.0/" in page


def test_the_terms_page_in_chinese_and_english(client):
    zh = client.get("/terms").get_data(as_text=True)
    assert "广西公共数据开放平台数据使用协议" in zh and "来源：广西公共数据开放平台" in zh
    assert "有条件开放" in zh
    assert 'href="/terms" rel="license"' in client.get("/about").get_data(as_text=True)
    en = client.get("/terms?lang=en").get_data(as_text=True)
    assert "Terms of use of the Guangxi Public Data Platform" in en
    assert "No warranty" in en


@pytest.mark.parametrize("path,accept", [("/terms", "text/turtle"), ("/terms.ttl", "*/*")])
def test_the_licence_uri_dereferences_to_rdf(client, path, accept):
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (TERMS, RDF.type, DCT.LicenseDocument) in graph
    html = client.get("/terms", headers={"Accept": "text/html"})
    assert html.mimetype == "text/html" and "Accept" in html.headers["Vary"]


def test_cli_sets_and_clears_a_department_s_licence(runner, services, unlicensed):
    dataset_id, _, department = unlicensed
    with services.session_factory() as session:
        head = log_head(session)
    done = runner.invoke(args=["department", "set-licence", department, "cc-by"])
    assert done.exit_code == 0 and "CC-BY-4.0" in done.output
    with services.session_factory() as session:
        found = session.scalar(sa.select(Department).where(Department.slug == department))
        assert found.default_licence == "CC-BY-4.0"
        assert licence_sources(session)["department"] == 1
        assert log_head(session) > head  # the search index and SPARQL store follow
    unknown = runner.invoke(args=["department", "set-licence", department, "WTFPL"])
    assert unknown.exit_code == 1 and "unknown licence" in unknown.output
    missing = runner.invoke(args=["department", "set-licence", "no-such", "CC0-1.0"])
    assert missing.exit_code == 1 and "no department" in missing.output
    cleared = runner.invoke(args=["department", "set-licence", department, "--clear"])
    assert cleared.exit_code == 0 and "gxdata-terms" in cleared.output
    shown = runner.invoke(args=["stats", "show"])
    assert "only the platform's terms of use 1" in shown.output
    as_json = json.loads(runner.invoke(args=["stats", "show", "--json"]).output)
    assert as_json["licences"] == {"dataset": 0, "department": 0, "platform": 1}


def test_migration_0007_adds_and_removes_the_column(services):
    engine = services.engine
    config = migrate.alembic_config(engine)
    command.downgrade(config, "0006")
    columns = {c["name"] for c in sa.inspect(engine).get_columns("department")}
    assert "default_licence" not in columns
    migrate.upgrade(engine, "0007")
    assert migrate.current_revision(engine) == "0007"
    columns = {c["name"] for c in sa.inspect(engine).get_columns("department")}
    assert "default_licence" in columns


def test_a_file_page_shows_its_licence(client, services, unlicensed):
    ident, slug, _ = unlicensed
    with services.session_factory() as session, session.begin():
        distribution = session.get(Dataset, ident).distributions[0]
        distribution_id = distribution.id
    page = client.get(f"/dataset/{slug}/resource/{distribution_id}").get_data(as_text=True)
    assert f'<p class="licence">许可协议: <a href="{BASE}/terms" rel="license">' in page
    with services.session_factory() as session, session.begin():
        session.get(Distribution, distribution_id).licence = "CC-BY-4.0"  # its own licence
    page = client.get(f"/dataset/{slug}/resource/{distribution_id}").get_data(as_text=True)
    assert 'href="https://creativecommons.org/licenses/by/4.0/" rel="license"' in page
