"""robots.txt, sitemap.xml, the Atom feed of datasets and the favicon: public datasets only."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from catalog import feeds
from catalog.services.datasets import create_dataset, publish_dataset, withdraw_dataset
from catalog.services.departments import get_or_create_department

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def catalog(session):
    with session.begin():
        department = get_or_create_department(session, "南宁市统计局")
        public = [
            publish_dataset(
                session,
                create_dataset(
                    session,
                    title=f"南宁市统计年鉴{n}",
                    department=department,
                    description="统计年鉴。",
                ),
            )
            for n in range(3)
        ]
        create_dataset(session, title="未发布的草稿", department=department)
        publish_dataset(
            session,
            create_dataset(
                session, title="不予开放的数据", department=department, open_type="closed"
            ),
        )
        gone = publish_dataset(
            session, create_dataset(session, title="已撤回的数据", department=department)
        )
        withdraw_dataset(session, gone)
    return [d.slug for d in public]


def test_robots_txt(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "User-agent: *" in text and "Disallow: /admin" in text and "Disallow: /sparql" in text
    assert "Sitemap: http://gxdata.test/sitemap.xml" in text


def test_sitemap_lists_every_public_dataset_page(client, catalog):
    root = ET.fromstring(client.get("/sitemap.xml").data)
    assert root.tag == SM + "urlset"
    locs = [u.findtext(SM + "loc") for u in root.iter(SM + "url")]
    pages = [loc for loc in locs if "/dataset/" in loc]
    assert sorted(pages) == sorted(f"http://gxdata.test/dataset/{slug}" for slug in catalog)
    assert all(
        u.findtext(SM + "lastmod")
        for u in root.iter(SM + "url")
        if "/dataset/" in u.findtext(SM + "loc")
    )
    assert client.get("/sitemap-1.xml").status_code == 404  # no index below 50,000


def test_sitemap_index_past_the_limit(client, catalog, monkeypatch):
    monkeypatch.setattr(feeds, "SITEMAP_URLS", 2)
    root = ET.fromstring(client.get("/sitemap.xml").data)
    assert root.tag == SM + "sitemapindex"
    parts = [s.findtext(SM + "loc") for s in root.iter(SM + "sitemap")]
    assert parts == ["http://gxdata.test/sitemap-1.xml", "http://gxdata.test/sitemap-2.xml"]
    assert all(s.findtext(SM + "lastmod") for s in root.iter(SM + "sitemap"))
    found = []
    for n in (1, 2):
        part = ET.fromstring(client.get(f"/sitemap-{n}.xml").data)
        found += [u.findtext(SM + "loc") for u in part.iter(SM + "url")]
    assert sorted(x for x in found if "/dataset/" in x) == sorted(
        f"http://gxdata.test/dataset/{slug}" for slug in catalog
    )
    assert client.get("/sitemap-3.xml").status_code == 404


def test_atom_feed_of_new_and_updated_datasets(client, catalog):
    response = client.get("/feeds/datasets.atom")
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == ATOM + "feed"
    assert root.findtext(ATOM + "title") == "广西公共数据开放平台：新增和更新的数据集"
    entries = root.findall(ATOM + "entry")
    titles = {e.findtext(ATOM + "title") for e in entries}
    assert titles == {f"南宁市统计年鉴{n}" for n in range(3)}
    for entry in entries:
        assert entry.findtext(ATOM + "updated").endswith("Z")
        assert entry.find(ATOM + "link").get("href").startswith("http://gxdata.test/dataset/")
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == "南宁市统计局"
    home = client.get("/").get_data(as_text=True)
    assert 'rel="alternate" type="application/atom+xml" href="/feeds/datasets.atom"' in home


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)
    assert client.get("/static/favicon.svg").status_code == 200
