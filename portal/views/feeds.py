"""For crawlers and feed readers: robots.txt, sitemap.xml, the Atom feed of datasets, favicon.

Only public datasets appear (:mod:`catalog.feeds` reads ``public_datasets``). robots.txt lets
every crawler read the pages but keeps them off the administration, the APIs and the SPARQL
endpoint (machine interfaces, heavy to crawl, and described by the pages they would find
anyway) and off search result pages (``/dataset?…``: endless facet combinations; the sitemap
lists every dataset page instead).
"""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, abort, current_app, send_from_directory
from flask_babel import force_locale
from flask_babel import gettext as _

from catalog import feeds, uris
from portal.db import get_session

bp = Blueprint("feeds", __name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
ATOM_NS = "http://www.w3.org/2005/Atom"
DISALLOWED = ("/admin", "/api/", "/sparql", "/dataset?")
SUMMARY_CHARS = 500


def _base() -> str:
    return current_app.config["BASE_URL"]


def _w3c(moment: datetime | None) -> str:
    """A stored (naive UTC) time as RFC 3339 in UTC."""
    return (moment or datetime(1970, 1, 1)).replace(microsecond=0).isoformat() + "Z"


def _xml(root: ET.Element, mimetype: str) -> Response:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype=mimetype)


@bp.get("/robots.txt")
def robots() -> Response:
    lines = ["User-agent: *", "Allow: /", *(f"Disallow: {path}" for path in DISALLOWED)]
    lines += ["", f"Sitemap: {uris.page_url(_base(), '/sitemap.xml')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Every public dataset page; past 50,000 of them a sitemap index of numbered sitemaps."""
    session = get_session()
    count = feeds.public_dataset_count(session)
    if count <= feeds.SITEMAP_URLS:
        return _urlset(0, with_pages=True)
    root = ET.Element("sitemapindex", xmlns=SITEMAP_NS)
    for page in range(-(-count // feeds.SITEMAP_URLS)):
        entry = ET.SubElement(root, "sitemap")
        ET.SubElement(entry, "loc").text = uris.page_url(_base(), f"/sitemap-{page + 1}.xml")
        ET.SubElement(entry, "lastmod").text = _w3c(feeds.sitemap_page_modified(session, page))
    return _xml(root, "application/xml")


@bp.get("/sitemap-<int:number>.xml")
def sitemap_part(number: int) -> Response:
    count = feeds.public_dataset_count(get_session())
    if count <= feeds.SITEMAP_URLS or not 1 <= number <= -(-count // feeds.SITEMAP_URLS):
        abort(404)
    return _urlset(number - 1, with_pages=number == 1)


def _urlset(page: int, with_pages: bool) -> Response:
    root = ET.Element("urlset", xmlns=SITEMAP_NS)
    if with_pages:  # the browsing pages, once
        for path in ("/", "/dataset", "/organization", "/category", "/topic"):
            ET.SubElement(ET.SubElement(root, "url"), "loc").text = uris.page_url(_base(), path)
    for slug, modified in feeds.sitemap_page(get_session(), page):
        url = ET.SubElement(root, "url")
        ET.SubElement(url, "loc").text = uris.dataset_page(_base(), slug)
        ET.SubElement(url, "lastmod").text = _w3c(modified)
    return _xml(root, "application/xml")


@bp.get("/feeds/datasets.atom")
def datasets_atom() -> Response:
    """The newest 50 public datasets by metadata change (new ones included), as Atom 1.0
    (RFC 4287), like CKAN's /feeds/dataset.atom. Chinese, as the portal is."""
    datasets = feeds.recently_changed(get_session())
    feed_url = uris.page_url(_base(), "/feeds/datasets.atom")
    root = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": "zh-Hans"})
    with force_locale("zh"):
        title = _("Guangxi Public Data Portal: new and updated datasets")
        author = _("Guangxi Public Data Portal")
    ET.SubElement(root, "title").text = title
    ET.SubElement(root, "id").text = feed_url
    ET.SubElement(root, "link", rel="self", type="application/atom+xml", href=feed_url)
    ET.SubElement(root, "link", rel="alternate", type="text/html", href=_base())
    newest = max((d.metadata_modified for d in datasets), default=None)
    ET.SubElement(root, "updated").text = _w3c(newest)
    ET.SubElement(ET.SubElement(root, "author"), "name").text = author
    for dataset in datasets:
        entry = ET.SubElement(root, "entry")
        ET.SubElement(entry, "id").text = uris.dataset_uri(_base(), dataset.id)
        ET.SubElement(entry, "title").text = dataset.title
        page = uris.dataset_page(_base(), dataset.slug)
        ET.SubElement(entry, "link", rel="alternate", type="text/html", href=page)
        ET.SubElement(entry, "updated").text = _w3c(dataset.metadata_modified)
        ET.SubElement(entry, "published").text = _w3c(dataset.created_at)
        name = dataset.department.name if dataset.department else author
        ET.SubElement(ET.SubElement(entry, "author"), "name").text = name
        if dataset.description:
            summary = dataset.description[:SUMMARY_CHARS]
            ET.SubElement(entry, "summary").text = summary
    return _xml(root, "application/atom+xml")


@bp.get("/favicon.ico")
def favicon() -> Response:
    return send_from_directory(
        current_app.static_folder or "static", "favicon.ico", mimetype="image/vnd.microsoft.icon"
    )
