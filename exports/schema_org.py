"""schema.org ``Dataset`` JSON-LD for dataset pages (what search engines' dataset search reads)."""

from __future__ import annotations

from typing import Any

from catalog import uris
from catalog.access import can_fetch_files, public_distribution
from catalog.models import Dataset
from exports.dcat.write import distribution_values
from vocab import divisions, licences

CATALOG_NAME = "广西公共数据开放平台"


def dataset_jsonld(dataset: Dataset, base_url: str) -> dict[str, Any]:
    base = base_url.rstrip("/")
    page = uris.dataset_page(base, dataset.slug)
    node: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": uris.dataset_uri(base, dataset.id),
        "name": dataset.title,
        "description": dataset.description or dataset.title,
        "url": page,
        "inLanguage": "zh-CN",
        "isAccessibleForFree": True,
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "name": CATALOG_NAME,
            "url": uris.catalog_uri(base),
        },
    }
    if dataset.identifier:
        node["identifier"] = dataset.identifier
    if dataset.keywords:
        node["keywords"] = list(dataset.keywords)
    if dataset.version:
        node["version"] = dataset.version
    licence = _licence(dataset.licence)
    if licence:
        node["license"] = licence
    if dataset.department is not None:
        organization = {
            "@type": "GovernmentOrganization",
            "@id": uris.department_uri(base, dataset.department.slug),
            "name": dataset.department.name,
        }
        node["publisher"] = node["creator"] = organization
    if dataset.issued:
        node["datePublished"] = dataset.issued.isoformat()
    if dataset.modified:
        node["dateModified"] = dataset.modified.isoformat()
    division = divisions.division(dataset.spatial) if dataset.spatial else None
    if division is not None:
        node["spatialCoverage"] = {"@type": "Place", "name": division.label("zh")}
    if dataset.temporal_start or dataset.temporal_end:
        start = dataset.temporal_start.isoformat() if dataset.temporal_start else ".."
        end = dataset.temporal_end.isoformat() if dataset.temporal_end else ".."
        node["temporalCoverage"] = f"{start}/{end}"
    if not can_fetch_files(dataset) and dataset.access_conditions:
        node["conditionsOfAccess"] = dataset.access_conditions
    downloads = [_download(dataset, d, base) for d in dataset.distributions]
    if any(downloads):
        node["distribution"] = [d for d in downloads if d]
    return node


def _download(dataset: Dataset, distribution: Any, base: str) -> dict[str, Any] | None:
    """A DataDownload for a file the public may fetch, else None: a page (the source's home
    page, the portal's page of a withheld file) is never a ``contentUrl``."""
    values = distribution_values(dataset, distribution, base)
    url = values["download_url"] or public_distribution(dataset, distribution).access_url
    if not url:
        return None
    fmt = distribution.file_format
    item: dict[str, Any] = {"@type": "DataDownload", "name": distribution.title}
    item["contentUrl"] = url
    media_type = distribution.media_type or (fmt.media_type if fmt else None)
    if media_type or distribution.format:
        item["encodingFormat"] = media_type or distribution.format
    if distribution.byte_size is not None:
        item["contentSize"] = f"{distribution.byte_size} B"
    return item


def _licence(value: str | None) -> str | None:
    if not value:
        return None
    concept = licences.licence(value)
    if concept is not None:
        pages = [uri for uri in concept.close_match if uri.startswith("https://")]
        return pages[0] if pages else concept.exact_match[0]
    return value if uris.is_valid_iri(value) else None
