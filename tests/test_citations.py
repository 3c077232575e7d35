"""Citations of a dataset (exports/citations.py): each format field by field for a dataset with
Chinese and English metadata, then the routes, the content negotiation and who is cited."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from factories import full_dataset

from catalog.beijing import beijing
from catalog.db import utcnow
from catalog.models import Dataset
from catalog.services.datasets import create_dataset, publish_dataset, withdraw_dataset
from catalog.services.departments import create_department
from exports.citations import (
    Citable,
    apa,
    bibtex,
    citable,
    csl_item,
    datacite_metadata,
    datacite_valid,
    datacite_xml,
    gbt7714,
    ris,
)

BASE = "http://gxdata.test"
ACCESSED = date(2026, 12, 3)
DC = "{http://datacite.org/schema/kernel-4}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TRANSLATED = {"translations": {"title": {"en": "Guangxi population sample survey"}}}


def _cite(session, title: str | None = None, **overrides) -> tuple[Citable, str]:
    dataset = full_dataset(session, extras=TRANSLATED, **overrides)
    dataset.title = title or dataset.title
    return citable(dataset, BASE, ACCESSED), dataset.slug


def _another(session, title: str, department: str, **fields) -> Dataset:
    """A published dataset of its own department."""
    owner = create_department(session, department)
    dataset = create_dataset(session, title=title, department=owner, **fields)
    return publish_dataset(session, dataset)


def test_the_citable_facts_of_a_dataset(session):
    cited, slug = _cite(session)
    assert cited.title == "广西人口抽样调查"
    assert cited.title_en == "Guangxi population sample survey"
    assert cited.creator == "广西壮族自治区统计局"
    assert cited.version == "2.1"
    assert cited.published == date(2022, 5, 6)  # 07:08 UTC is 15:08 in Beijing
    assert cited.url == f"{BASE}/dataset/{slug}"
    assert cited.contact == "人口处 · 0771-5888888 · rk@tjj.gxzf.gov.cn"
    assert cited.identifier == "gx-stats-001"
    assert cited.accessed == ACCESSED


def test_without_a_version_the_modified_date_is_the_version(session):
    cited, _ = _cite(session, version=None)
    assert cited.version == "2022-05-06"
    assert "版本 2022-05-06." in gbt7714(cited)


def test_gbt7714_and_apa(session):
    cited, slug = _cite(session)
    assert gbt7714(cited) == (
        "广西壮族自治区统计局. 广西人口抽样调查[DS/OL]. 版本 2.1. 南宁: 广西公共数据开放平台, "
        f"2022. (2022-05-06)[2026-12-03]. {BASE}/dataset/{slug}."
    )
    assert apa(cited) == (
        "广西壮族自治区统计局. (2022). 广西人口抽样调查 (Version 2.1) [Data set]. "
        f"广西公共数据开放平台. {BASE}/dataset/{slug}"
    )


def test_bibtex(session):
    cited, slug = _cite(session)
    assert bibtex(cited) == (
        f"@misc{{{cited.key},\n"
        "  author = {{广西壮族自治区统计局}},\n"
        "  title = {{广西人口抽样调查}},\n"
        "  howpublished = {广西公共数据开放平台, [DS/OL]},\n"
        "  publisher = {广西公共数据开放平台},\n"
        "  address = {南宁},\n"
        "  year = {2022},\n"
        "  version = {2.1},\n"
        f"  url = {{{BASE}/dataset/{slug}}},\n"
        "  urldate = {2026-12-03},\n"
        "  note = {联系方式: 人口处 · 0771-5888888 · rk@tjj.gxzf.gov.cn; 标识符: gx-stats-001;"
        " English title: Guangxi population sample survey}\n"
        "}\n"
    )


def test_bibtex_escapes_what_latex_reads(session):
    cited, _ = _cite(session, title="{收入} 50% & 支出_2 $ #1 ~ ^ \\")
    line = next(x for x in bibtex(cited).splitlines() if x.startswith("  title"))
    assert line == (r"  title = {{\{收入\} 50\% \& 支出\_2 \$ \#1 \~{} \^{} \textbackslash{}}},")
    body = bibtex(cited)
    unescaped = body.replace("\\{", "").replace("\\}", "")
    assert unescaped.count("{") == unescaped.count("}")  # the braces balance


def _parse_ris(text: str) -> list[tuple[str, str]]:
    """A tiny RIS reader: every line ``TAG  - value`` (CRLF), the record ending with ER."""
    lines = text.split("\r\n")
    assert lines[-1] == ""
    rows = []
    for line in lines[:-1]:
        assert line[2:6] == "  - ", line
        rows.append((line[:2], line[6:]))
    assert rows[0] == ("TY", "DATA") and rows[-1] == ("ER", "")
    return rows


def test_ris_parses_back(session):
    cited, slug = _cite(session, title="多行\n标题")
    rows = dict(_parse_ris(ris(cited)))
    assert rows["TI"] == "多行 标题"  # a value never spans lines
    assert rows["TT"] == "Guangxi population sample survey"
    assert rows["AU"] == "广西壮族自治区统计局"
    assert rows["PB"] == "广西公共数据开放平台"
    assert rows["PY"] == "2022" and rows["DA"] == "2022/05/06/"
    assert rows["ET"] == "2.1"
    assert rows["UR"] == f"{BASE}/dataset/{slug}"
    assert rows["Y2"] == "2026/12/03/"
    assert rows["AN"] == "gx-stats-001"
    assert rows["N1"] == "联系方式: 人口处 · 0771-5888888 · rk@tjj.gxzf.gov.cn"


def test_csl_json(session):
    cited, slug = _cite(session)
    item = json.loads(json.dumps(csl_item(cited)))
    assert item["type"] == "dataset"
    assert item["title"] == "广西人口抽样调查"
    assert item["original-title"] == "Guangxi population sample survey"
    assert item["author"] == [{"literal": "广西壮族自治区统计局"}]
    assert item["publisher"] == "广西公共数据开放平台"
    assert item["version"] == "2.1"
    assert item["issued"] == {"date-parts": [[2022, 5, 6]]}
    assert item["accessed"] == {"date-parts": [[2026, 12, 3]]}
    assert item["URL"] == f"{BASE}/dataset/{slug}"
    assert "rk@tjj.gxzf.gov.cn" in item["note"] and "gx-stats-001" in item["note"]


def test_datacite_xml_is_valid_and_parses_back(session):
    cited, slug = _cite(session, title="人口 <抽样> & 调查")
    assert datacite_valid(datacite_metadata(cited))
    root = ET.fromstring(datacite_xml(cited).encode())
    assert root.tag == f"{DC}resource"
    titles = root.findall(f"{DC}titles/{DC}title")
    assert [(t.text, t.get(XML_LANG), t.get("titleType")) for t in titles] == [
        ("人口 <抽样> & 调查", "zh", None),
        ("Guangxi population sample survey", "en", "TranslatedTitle"),
    ]
    assert root.findtext(f"{DC}creators/{DC}creator/{DC}creatorName") == "广西壮族自治区统计局"
    assert root.findtext(f"{DC}publisher") == "广西公共数据开放平台"
    assert root.findtext(f"{DC}publicationYear") == "2022"
    assert root.findtext(f"{DC}version") == "2.1"
    assert root.find(f"{DC}resourceType").get("resourceTypeGeneral") == "Dataset"
    ids = {
        e.get("alternateIdentifierType"): e.text
        for e in root.findall(f"{DC}alternateIdentifiers/{DC}alternateIdentifier")
    }
    assert ids == {"URL": f"{BASE}/dataset/{slug}", "Local": "gx-stats-001"}
    contact = root.find(f"{DC}contributors/{DC}contributor")
    assert contact.get("contributorType") == "ContactPerson"
    assert "0771-5888888" in contact.findtext(f"{DC}contributorName")
    dates = {e.get("dateType"): e.text for e in root.findall(f"{DC}dates/{DC}date")}
    assert dates["Updated"] == "2022-05-06" and dates["Other"] == "2026-12-03"


def test_the_datacite_schema_refuses_what_is_wrong(session):
    cited, _ = _cite(session)
    data = datacite_metadata(cited)
    assert not datacite_valid({**data, "types": {"resourceTypeGeneral": "Spreadsheet"}})
    assert not datacite_valid({k: v for k, v in data.items() if k != "creators"})


# -- routes -------------------------------------------------------------------------------------

ROUTES = [
    ("bib", "application/x-bibtex"),
    ("ris", "application/x-research-info-systems"),
    ("json", "application/vnd.citationstyles.csl+json"),
    ("xml", "application/vnd.datacite.datacite+xml"),
    ("txt", "text/plain"),
]


@pytest.fixture
def published(services) -> dict[str, str]:
    """One unconditional, one conditional and one withdrawn (not public) dataset."""
    with services.session_factory() as session, session.begin():
        plain = full_dataset(session, extras=TRANSLATED)
        conditional = _another(session, "公交线路", "南宁市交通运输局", open_type="conditional")
        hidden = withdraw_dataset(session, _another(session, "内部名录", "某局"))
        return {"plain": plain.slug, "conditional": conditional.id, "hidden": hidden.id}


@pytest.mark.parametrize(("suffix", "media_type"), ROUTES)
def test_the_citation_files(client, published, suffix, media_type):
    slug = published["plain"]
    response = client.get(f"/dataset/{slug}/citation.{suffix}")
    assert response.status_code == 200 and response.mimetype == media_type
    assert response.headers["Content-Disposition"].startswith("inline; filename=")
    assert response.headers["Content-Disposition"].endswith(f'.{suffix}"')
    text = response.get_data(as_text=True)
    assert "广西人口抽样调查" in text and f"{BASE}/dataset/{slug}" in text


def test_the_text_file_is_gbt7714_then_apa_with_today_in_beijing(client, published):
    text = client.get(f"/dataset/{published['plain']}/citation.txt").get_data(as_text=True)
    first, second, end = text.split("\n")
    today = beijing(utcnow()).date().isoformat()
    assert first.endswith(f"[{today}]. {BASE}/dataset/{published['plain']}.")
    assert "[DS/OL]" in first and "[Data set]" in second and end == ""


@pytest.mark.parametrize(("suffix", "media_type"), [r for r in ROUTES if r[0] != "txt"])
def test_the_dataset_page_negotiates_citations(client, published, suffix, media_type):
    path = f"/dataset/{published['plain']}"
    response = client.get(path, headers={"Accept": media_type})
    assert response.status_code == 200 and response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    assert response.data == client.get(f"{path}/citation.{suffix}").data


def test_rdf_and_html_are_negotiated_as_before(client, published):
    path = f"/dataset/{published['plain']}"
    assert client.get(path, headers={"Accept": "text/turtle"}).mimetype == "text/turtle"
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = client.get(path, headers={"Accept": browser})
    assert page.mimetype == "text/html" and "Accept" in page.headers["Vary"]
    refused = client.get(path, headers={"Accept": "image/png"})
    assert refused.status_code == 406 and b"application/x-bibtex" in refused.data


def test_a_conditional_dataset_is_cited_a_hidden_one_is_not(client, published):
    cited = client.get(f"/dataset/{published['conditional']}/citation.bib")
    assert cited.status_code == 200 and "南宁市交通运输局" in cited.get_data(as_text=True)
    for path in (
        f"/dataset/{published['hidden']}/citation.bib",
        f"/dataset/{published['hidden']}/citation.xml",
    ):
        assert client.get(path).status_code == 404
    negotiated = client.get(
        f"/dataset/{published['hidden']}", headers={"Accept": "application/x-bibtex"}
    )
    text = negotiated.get_data(as_text=True)
    assert negotiated.status_code == 404 and "某局" not in text and "内部名录" not in text


def test_the_page_shows_the_citations_with_copy_buttons_and_downloads(client, published):
    slug = published["plain"]
    page = client.get(f"/dataset/{slug}", headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert "引用本数据集" in html and "复制" in html
    assert "广西人口抽样调查[DS/OL]. 版本 2.1." in html
    assert "(Version 2.1) [Data set]" in html
    for suffix, _ in ROUTES:
        assert f"/dataset/{slug}/citation.{suffix}" in html
    assert "js/copy.js" in html
