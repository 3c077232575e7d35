"""The provenance panel of a reuse (the plan's item 10: an application built on open data
states the source of every dataset it uses — name, providing department, contact).

Generated from the catalog as it is now, never from what the reuse's owner typed: for each
public dataset used, its name, the providing department, the contact (name, phone and e-mail
as the catalog holds them), the version used (a version number links to
``/dataset/<id>/versions/<n>``; no number: the dataset as it is now, its version field or
modified date) and the link; in Chinese and in English, as plain text ready to paste.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from catalog import uris
from catalog.models import Dataset
from catalog.reuses.models import ReuseDataset

PLATFORM = "广西公共数据开放平台"
PLATFORM_EN = "Guangxi Public Data Open Platform"


@dataclass(frozen=True)
class SourceRow:
    title: str
    title_en: str | None
    department: str
    department_en: str | None
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    version: int | None  # the version number used, when stated
    current_version: str  # the dataset's version field, else its modified date
    link: str


def source_row(dataset: Dataset, version: int | None, base_url: str) -> SourceRow:
    department = dataset.department
    translations = (dataset.extras or {}).get("translations") or {}
    title_en = (translations.get("title") or {}).get("en") or None
    moment = dataset.modified or dataset.issued or dataset.metadata_modified
    link = (
        uris.dataset_version_uri(base_url, dataset.id, version)
        if version is not None
        else uris.dataset_page(base_url, dataset.slug)
    )
    return SourceRow(
        title=dataset.title,
        title_en=title_en,
        department=department.name if department else PLATFORM,
        department_en=(department.name_en if department else PLATFORM_EN) or None,
        contact_name=dataset.contact_name or None,
        contact_phone=dataset.contact_phone or None,
        contact_email=dataset.contact_email or None,
        version=version,
        current_version=dataset.version or (f"{moment:%Y-%m-%d}" if moment else ""),
        link=link,
    )


def source_rows(uses: Sequence[ReuseDataset], base_url: str) -> list[SourceRow]:
    return [source_row(use.dataset, use.version, base_url) for use in uses]


def _line(value: str | None) -> str:
    return " ".join((value or "").split())


def text_zh(rows: Sequence[SourceRow]) -> str:
    lines = [f"本作品使用了{PLATFORM}的以下公共数据："]
    for n, row in enumerate(rows, 1):
        contact = "，".join(
            part
            for part in (
                _line(row.contact_name),
                f"电话 {_line(row.contact_phone)}" if row.contact_phone else "",
                f"邮箱 {_line(row.contact_email)}" if row.contact_email else "",
            )
            if part
        )
        version = f"第 {row.version} 版" if row.version else f"当前版本（{row.current_version}）"
        lines.append(
            f"{n}. 数据集：{_line(row.title)}；提供部门：{_line(row.department)}；"
            f"联系方式：{contact or '未提供'}；版本：{version}；链接：{row.link}"
        )
    return "\n".join(lines)


def text_en(rows: Sequence[SourceRow]) -> str:
    lines = [f"This work uses the following public data of the {PLATFORM_EN}:"]
    for n, row in enumerate(rows, 1):
        contact = ", ".join(
            part
            for part in (
                _line(row.contact_name),
                f"phone {_line(row.contact_phone)}" if row.contact_phone else "",
                f"e-mail {_line(row.contact_email)}" if row.contact_email else "",
            )
            if part
        )
        title = _line(row.title_en) or _line(row.title)
        department = _line(row.department_en) or _line(row.department)
        version = f"version {row.version}" if row.version else f"current ({row.current_version})"
        lines.append(
            f"{n}. Dataset: {title}; provided by: {department}; contact: "
            f"{contact or 'not given'}; version: {version}; link: {row.link}"
        )
    return "\n".join(lines)
