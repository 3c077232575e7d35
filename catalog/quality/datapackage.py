"""A dataset as a Frictionless Data Package (``datapackage.json``), schemas included.

Every distribution the public can fetch (:func:`catalog.access.public_distribution`)
becomes a resource: a stored file by its portal download
URL, a harvested one by its download URL, one only offered on a page by that page (said so
in its description). A table's resource carries the Table Schema of its data package when
the publisher gave one, else the one inferred when it was validated, with the dialect and
encoding validation found, and the validation's row count; ``hash`` is the file's sha256.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from catalog import uris
from catalog.access import public_distribution
from catalog.licensing import Licence, effective_licence
from catalog.models import Dataset, Distribution
from catalog.quality.enrichment.derivatives import distribution_download_url
from catalog.quality.facts import DatasetFacts, DistributionFacts
from catalog.quality.validate import package_descriptor
from catalog.quality.validation import is_tabular
from catalog.slugs import slugify
from vocab import formats

PROFILE = "data-package"
_NAME = re.compile(r"[^a-z0-9._-]+")


def package_name(text: str, fallback: str) -> str:
    """A Data Package name (lower case, digits, ``-._``): Chinese names in pinyin."""
    name = _NAME.sub("-", slugify(text).lower()).strip("-._") if text else ""
    return name or fallback


def datapackage(facts: DatasetFacts, base_url: str) -> dict[str, Any]:
    dataset = facts.dataset
    descriptor: dict[str, Any] = {
        "profile": PROFILE,
        "name": package_name(dataset.slug, f"dataset-{dataset.id[:8]}"),
        "id": dataset.identifier or dataset.id,
        "title": dataset.title,
        "description": dataset.description or "",
        "homepage": uris.dataset_page(base_url, dataset.slug),
        "keywords": list(dataset.keywords or []),
    }
    if dataset.version:
        descriptor["version"] = dataset.version
    if dataset.issued:
        descriptor["created"] = dataset.issued.isoformat(timespec="seconds") + "Z"
    descriptor["licenses"] = [_licence(effective_licence(dataset), base_url)]
    if dataset.department is not None:
        descriptor["contributors"] = [{"title": dataset.department.name, "role": "publisher"}]
    resources: list[dict[str, Any]] = []
    names: set[str] = set()
    for item in facts.distributions:
        resource = _resource(dataset, item, base_url)
        if resource is None:
            continue
        base, n = resource["name"], 2
        while resource["name"] in names:
            resource["name"], n = f"{base}-{n}", n + 1
        names.add(resource["name"])
        resources.append(resource)
    descriptor["resources"] = resources
    return descriptor


def _licence(licence: Licence, base_url: str) -> dict[str, str]:
    """The effective licence (catalog.licensing) as a data package ``licenses`` entry."""
    known = licence.concept
    if known is None:
        return {"title": licence.value, "name": package_name(licence.value, "licence")}
    entry = {"name": known.notation, "title": known.label("en")}
    path = licence.page_url(base_url)
    if path:
        entry["path"] = path
    return entry


def _resource(dataset: Dataset, item: DistributionFacts, base_url: str) -> dict[str, Any] | None:
    distribution = item.distribution
    path, note = _path(dataset, distribution, base_url)
    if path is None:
        return None
    name = distribution.file_name or distribution.title
    resource: dict[str, Any] = {
        "name": package_name(PurePosixPath(name).stem or name, f"resource-{distribution.id[:8]}"),
        "title": distribution.title,
        "path": path,
    }
    fmt = formats.format_for(distribution.format) if distribution.format else None
    if fmt is not None and fmt.extensions:
        resource["format"] = fmt.extensions[0]
    if distribution.media_type:
        resource["mediatype"] = distribution.media_type
    if distribution.byte_size is not None:
        resource["bytes"] = distribution.byte_size
    if distribution.sha256:
        resource["hash"] = f"sha256:{distribution.sha256}"
    description = " ".join(filter(None, [distribution.description, note]))
    if description:
        resource["description"] = description
    source = item.derivation.source if item.derivation is not None else None
    if source is not None:
        source_path, _ = _path(dataset, source, base_url)
        resource["sources"] = [{"title": f"derived from {source.title}", "path": source_path}]
    if is_tabular(distribution.format):
        resource.update(_table(distribution, item))
    return resource


def _path(dataset: Dataset, distribution: Distribution, base_url: str) -> tuple[str | None, str]:
    public = public_distribution(dataset, distribution)
    if public.stored_file:
        return distribution_download_url(base_url, dataset.id, distribution), ""
    if public.download_url:
        return public.download_url, ""
    if public.access_url:
        return public.access_url, "The file is offered on this page of the source portal."
    return None, ""  # nothing public to point at (a file that is not public): left out


def _table(distribution: Distribution, item: DistributionFacts) -> dict[str, Any]:
    found: dict[str, Any] = {"profile": "tabular-data-resource"}
    given = package_descriptor(distribution)
    report = item.report
    if given is not None:
        found["schema"] = given["schema"]
    elif report is not None and report.table_schema:
        found["schema"] = report.table_schema
    if report is not None and not report.problem:
        if report.encoding and (distribution.format or "").upper() in ("CSV", "TSV", "JSON"):
            found["encoding"] = report.encoding
        dialect = {
            k: v for k, v in (report.dialect or {}).items() if k in ("delimiter", "quoteChar")
        }
        if dialect:
            found["dialect"] = dialect
        rows = (report.stats or {}).get("rows")
        if isinstance(rows, int):
            found["rows"] = rows
    if "schema" not in found:
        found["profile"] = "data-resource"
    return found
