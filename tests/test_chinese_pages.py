"""No raw codes or English in the Chinese pages: the demo's pages are crawled and their visible
text (outside <code>, <pre>, <textarea>, scripts and tag attributes) is searched for the codes
people should never be shown: MIME types, Table Schema type names, kebab-case codes, update
frequency notations and CLI commands."""

from __future__ import annotations

import csv
import io
import re
import uuid
from html.parser import HTMLParser

import pytest

from catalog.demo.packages import _NAMESPACE, CATALOG_TABLE_ID

CATALOG_TABLE = str(uuid.uuid5(_NAMESPACE, CATALOG_TABLE_ID))  # the 2021 catalog as a dataset

# What must not be read on a Chinese page, each with why.
RAW = {
    "MIME type": re.compile(r"\b(?:text|application|image|audio|video)/[a-z0-9][a-z0-9.+-]*\b"),
    "Table Schema type": re.compile(
        r"\b(?:string|integer|number|boolean|datetime|yearmonth|geopoint|geojson)\b"
    ),
    "kebab-case code": re.compile(r"\b[a-z]{2,}(?:-[a-z]{2,})+\b"),
    "frequency notation": re.compile(
        r"\b(?:irregular|annual|semiannual|quarterly|monthly|weekly|daily|realtime|hourly)\b"
    ),
    "CLI command": re.compile(r"\bgxdata [a-z]+"),
}
# What may appear all the same, with why: names that are not codes.
ALLOWED = {
    "country-codes": "the name of the data package a demo dataset is taken from (datasets/…)",
    "application/problem+json": "the API docs name the media type of errors a client receives",
}
HIDDEN = {"code", "pre", "textarea", "script", "style", "kbd", "samp"}


class VisibleText(HTMLParser):
    """The text a reader sees, without what is shown as code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def raw_codes(html: str) -> list[tuple[str, str]]:
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(parser.parts)
    found = []
    for why, pattern in RAW.items():
        for match in pattern.finditer(text):
            if match.group(0) not in ALLOWED:
                start = max(0, match.start() - 30)
                found.append((why, text[start : match.end() + 30].replace("\n", " ")))
    return found


def _first(client, path: str, key: str = "results") -> dict:
    return client.get(path).get_json()[key][0]


def chinese_pages(client) -> list[str]:
    world = _first(client, "/api/v1/datasets?q=世界各国和地区人口数&limit=1")["id"]
    table = CATALOG_TABLE
    catalog_table = client.get(f"/api/3/action/package_show?id={table}").get_json()["result"]
    csv_file = next(r for r in catalog_table["resources"] if r["format"] == "CSV")["id"]
    world_file = _first(client, f"/api/v1/datasets/{world}/distributions")["id"]
    department = _first(client, "/api/v1/departments")["slug"]
    a_2021 = _first(client, "/api/v1/datasets?q=气象&limit=1")["id"]
    return [
        "/",
        "/dataset?q=%E6%B0%94%E8%B1%A1",
        f"/dataset/{a_2021}",
        f"/dataset/{world}",
        f"/dataset/{world}/resource/{world_file}",
        f"/dataset/{world}/resource/{world_file}/validation",
        f"/dataset/{catalog_table['name']}",
        f"/dataset/{catalog_table['name']}/resource/{csv_file}",
        "/organization",
        f"/organization/{department}",
        "/category",
        "/category/health",
        "/stats/openness",
        "/catalog",
        "/api/v1/docs",
        "/vocab",
        "/vocab/categories",
        "/about",
    ]


def test_the_scanner_finds_what_it_looks_for():
    html = (
        "<p>text/csv · integer · conflict-with-local-dataset · annual · gxdata stats snapshot</p>"
        "<p><code>text/csv integer energy-environment</code></p><a href='/x-y-z'>链接</a>"
    )
    assert [why for why, _ in raw_codes(html)] == list(RAW)


def test_chinese_pages_show_no_raw_codes(demo_client):
    demo_client.get("/?lang=zh")
    found = {}
    for path in chinese_pages(demo_client):
        response = demo_client.get(path)
        assert response.status_code == 200, path
        codes = raw_codes(response.get_data(as_text=True))
        if codes:
            found[path] = codes
    assert found == {}, "\n".join(f"{p}: {c}" for p, cs in found.items() for c in cs)


def test_the_2021_catalog_files_say_frequencies_in_words(demo_client):
    table = CATALOG_TABLE
    dataset = demo_client.get(f"/api/3/action/package_show?id={table}").get_json()["result"]
    resource = next(r for r in dataset["resources"] if r["format"] == "CSV")
    body = demo_client.get(resource["url"].split("gxdata.test", 1)[-1]).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    frequencies = {row["更新频率"] for row in rows}
    assert frequencies and not any(RAW["frequency notation"].search(f) for f in frequencies)
    assert "每年" in frequencies or "不定期" in frequencies, frequencies


def test_openness_csv_names_categories(demo_client):
    body = demo_client.get("/stats/openness.csv?lang=zh").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    health = next(row for row in rows if row["scope"] == "category" and row["key"] == "health")
    assert health["name"] == "健康卫生" or re.search(r"[\u4e00-\u9fff]", health["name"]), health


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_api_docs_speak_one_language(demo_client, lang):
    html = demo_client.get(f"/api/v1/docs?lang={lang}").get_data(as_text=True)
    if lang == "zh":
        assert "UUID or slug" not in html
        assert "写操作" in html and "need an API token" not in html
    else:
        assert "need an API token" in html and "写操作" not in html
    demo_client.get("/?lang=zh")
