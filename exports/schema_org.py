"""schema.org ``Dataset`` JSON-LD for dataset pages (what search engines' dataset search reads).

Google's Dataset rules ask for a description of 50 to 5,000 characters. Where the source gave
none (empty, or the title again, as 833 of the 1,055 demo datasets) or one shorter than 50
characters, :func:`description` writes a factual one in Chinese from the catalog fields
(department, category, title, update frequency, formats, period, record count) and says so in
the text itself ("……由平台根据目录信息生成"): schema.org has no property for "generated", and
the marker must travel with the text. Only schema.org carries it: DCAT's ``dct:description``
stays what the source gave (the title as DCAT-AP's stand-in), so nothing generated is ever
harvested back as a source's words.
"""

from __future__ import annotations

from typing import Any

from catalog import uris
from catalog.access import can_fetch_files, public_distribution
from catalog.licensing import effective_licence
from catalog.models import Dataset
from exports.dcat.write import distribution_values
from vocab import categories, divisions, frequencies

CATALOG_NAME = "广西公共数据开放平台"
DESCRIPTION_MIN, DESCRIPTION_MAX = 50, 5000  # Google's Dataset rules
GENERATED_NOTE = "（来源未提供说明，以上文字由平台根据目录信息生成。）"
SUPPLEMENT_NOTE = "（以下补充信息由平台根据目录信息生成。）"


def dataset_jsonld(dataset: Dataset, base_url: str) -> dict[str, Any]:
    base = base_url.rstrip("/")
    page = uris.dataset_page(base, dataset.slug)
    node: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": uris.dataset_uri(base, dataset.id),
        "name": dataset.title,
        "description": description(dataset),
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
    licence = effective_licence(dataset).page_url(base)
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


def description(dataset: Dataset) -> str:
    """The source's description if it has 50 to 5,000 characters; else facts from the fields,
    marked as generated (after a short given description, as a marked supplement)."""
    given = (dataset.description or "").strip()
    if given == dataset.title.strip():
        given = ""
    if len(given) >= DESCRIPTION_MIN:
        return _cut(given)
    facts = generated_facts(dataset)
    text = f"{given}{SUPPLEMENT_NOTE}{facts}" if given else f"{facts}{GENERATED_NOTE}"
    return _cut(text)


def generated_facts(dataset: Dataset) -> str:
    """A factual paragraph (Chinese) from the catalog fields of ``dataset``."""
    department = dataset.department.name if dataset.department is not None else None
    subject = f"“{dataset.title}”"
    parts = [f"{subject}是{department}在{CATALOG_NAME}发布的数据集" if department
             else f"{subject}是{CATALOG_NAME}发布的数据集"]  # fmt: skip
    category = categories.category(dataset.category) if dataset.category else None
    if category is not None:
        parts[0] += f"，属于“{category.label('zh')}”类公共数据"
    parts[0] += "。"
    frequency = (
        frequencies.frequency(dataset.update_frequency) if dataset.update_frequency else None
    )
    if frequency is not None:
        parts.append(f"更新频率：{frequency.label('zh')}。")
    names = dict.fromkeys(
        d.file_format.notation if d.file_format else (d.format or "").upper()
        for d in dataset.distributions
    )
    names.pop("", None)
    if names:
        parts.append(f"提供{len(dataset.distributions)}个数据资源，格式为{'、'.join(names)}。")
    if dataset.temporal_start or dataset.temporal_end:
        start, end = dataset.temporal_start, dataset.temporal_end
        if start and end:
            span = f"{start.isoformat()}至{end.isoformat()}"
        else:
            span = f"{start.isoformat()}起" if start else f"截至{end.isoformat() if end else ''}"
        parts.append(f"时间范围：{span}。")
    if dataset.record_count:
        parts.append(f"数据量：{dataset.record_count:,}条。")
    text = "".join(parts)
    if len(text) + len(GENERATED_NOTE) < DESCRIPTION_MIN:
        text += "可在本平台查看其元数据、数据资源与获取方式。"
    return text


def _cut(text: str) -> str:
    return text if len(text) <= DESCRIPTION_MAX else text[: DESCRIPTION_MAX - 1] + "…"
