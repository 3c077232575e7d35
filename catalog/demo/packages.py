"""Real Frictionless data packages shipped with the demo, so preview and download work offline.

Each package becomes one dataset whose resources are stored files; the package's Table
Schemas are kept in the dataset's extras for the validation work that follows.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.cells import safe_row
from catalog.models import Dataset
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.departments import get_or_create_department
from catalog.services.distributions import store_file
from catalog.storage import FileStore
from vocab import frequencies

PUBLISHER = "广西壮族自治区大数据发展局"
_NAMESPACE = uuid.UUID("0d6c1d7e-2a55-4f0f-8a57-5a1f7f3b8c21")


@dataclass(frozen=True)
class PackageSpec:
    folder: str
    title: str
    description: str
    category: str | None
    keywords: tuple[str, ...]
    extra_files: tuple[tuple[str, str], ...] = ()  # (path, title)


PACKAGES = (
    PackageSpec(
        "country-codes",
        "联合国M49国家和地区代码（含中文名称）",
        "联合国统计司M49标准国家和地区代码及ISO 3166代码，UNSD-cn.csv 为简体中文版。"
        "转载自开放数据包 datasets/country-codes（ODC-PDDL-1.0）。",
        "statistics",
        ("国家代码", "M49", "ISO 3166", "参考数据"),
        (("data/UNSD-cn.csv", "联合国M49国家和地区代码（简体中文）.csv"),),
    ),
    PackageSpec(
        "gdp",
        "世界各国和地区国内生产总值（GDP）",
        "世界银行发布的各国、地区及世界国内生产总值（现价美元）时间序列。"
        "转载自开放数据包 datasets/gdp（ODC-PDDL-1.0）。",
        "statistics",
        ("GDP", "国内生产总值", "世界银行", "时间序列"),
    ),
    PackageSpec(
        "population",
        "世界各国和地区人口数",
        "世界银行发布的各国、地区及世界人口时间序列。"
        "转载自开放数据包 datasets/population（ODC-PDDL-1.0）。",
        "population",
        ("人口", "世界银行", "时间序列"),
    ),
)


def load_packages(session: Session, store: FileStore, root: Path, max_bytes: int) -> int:
    publisher = get_or_create_department(session, PUBLISHER)
    added = 0
    for spec in PACKAGES:
        identifier = f"datapackage-{spec.folder}"
        if _exists(session, identifier):
            continue
        folder = root / spec.folder
        descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        licences = descriptor.get("licenses") or [{}]
        updated = _date(descriptor.get("last_updated") or descriptor.get("last_modified"))
        dataset = create_dataset(
            session,
            id=str(uuid.uuid5(_NAMESPACE, identifier)),
            title=spec.title,
            department=publisher,
            description=spec.description,
            keywords=list(spec.keywords),
            category=spec.category,
            open_type="unconditional",
            update_frequency="annual",
            licence=licences[0].get("name"),
            issued=updated,  # the source's own date: publishing here does not make it newer
            modified=updated,
            version=str(descriptor.get("version") or "") or None,
            identifier=identifier,
            delivery_channel="download",
            spatial=None,  # the world, which the Guangxi division codes cannot name
            contact_name=PUBLISHER,
            extras={
                "source": "datapackage",
                "original_title": descriptor.get("title"),
                "sources": descriptor.get("sources", []),
                "schemas": {r["path"]: r.get("schema") for r in descriptor.get("resources", [])},
            },
        )
        files = [(r["path"], Path(r["path"]).name) for r in descriptor.get("resources", [])]
        for path, title in (*files, *spec.extra_files):
            with open(folder / path, "rb") as handle:
                store_file(
                    session,
                    store,
                    dataset,
                    file_name=Path(title).name,
                    stream=handle,
                    max_bytes=max_bytes,
                    title=title,
                )
        publish_dataset(session, dataset)
        added += 1
    return added


CATALOG_TABLE_ID = "gxdata-catalog-table-2021"
CATALOG_COLUMNS = (
    "数据集名称",
    "来源部门",
    "主题",
    "所属行业",
    "更新频率",
    "数据量",
    "发布时间",
    "最后更新时间",
    "文件数",
)


def load_catalog_table(session: Session, store: FileStore, max_bytes: int) -> bool:
    """Publish the 2021 catalog itself as a dataset in CSV, XLSX and JSON."""
    if _exists(session, CATALOG_TABLE_ID):
        return False
    rows = _catalog_rows(session)
    publisher = get_or_create_department(session, PUBLISHER)
    dataset = create_dataset(
        session,
        id=str(uuid.uuid5(_NAMESPACE, CATALOG_TABLE_ID)),
        title="广西公共数据开放平台2021年数据目录",
        department=publisher,
        description="data.gxzf.gov.cn 于2021年公开的全部数据目录条目：数据集名称、来源部门、主题、"
        "更新频率、数据量、发布时间和文件数。由本平台根据公开目录整理。",
        keywords=["数据目录", "公共数据", "开放数据"],
        category="statistics",
        open_type="unconditional",
        update_frequency="irregular",
        identifier=CATALOG_TABLE_ID,
        delivery_channel="download",
        spatial="450000",
        contact_name=PUBLISHER,
        record_count=len(rows),
        extras={"source": "derived", "derived_from": "data.gxzf.gov.cn/2021"},
    )
    for file_name, payload in (
        ("广西公共数据开放平台2021年数据目录.csv", _as_csv(rows)),
        ("广西公共数据开放平台2021年数据目录.xlsx", _as_xlsx(rows)),
        ("广西公共数据开放平台2021年数据目录.json", _as_json(rows)),
    ):
        store_file(
            session,
            store,
            dataset,
            file_name=file_name,
            stream=io.BytesIO(payload),
            max_bytes=max_bytes,
        )
    publish_dataset(session, dataset)
    return True


def _frequency_label(code: str | None) -> str:
    """更新频率 as people read it (每年, 不定期), not the vocabulary's notation."""
    concept = frequencies.scheme().by_notation(code) if code else None
    return concept.label("zh") if concept else (code or "")


def _catalog_rows(session: Session) -> list[list[object]]:
    stmt = (
        select(Dataset)
        .where(Dataset.identifier.like("gxzf-2021-%"))
        .order_by(Dataset.issued, Dataset.title)
    )
    rows: list[list[object]] = []
    for d in session.scalars(stmt):
        rows.append(
            [
                d.title,
                d.department.name if d.department else "",
                d.topic or "",
                d.industry or "",
                _frequency_label(d.update_frequency),
                d.record_count if d.record_count is not None else "",
                d.issued.isoformat(sep=" ") if d.issued else "",
                d.modified.isoformat(sep=" ") if d.modified else "",
                len(d.distributions),
            ]
        )
    return rows


def _as_csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CATALOG_COLUMNS)
    writer.writerows(safe_row(row) for row in rows)
    return out.getvalue().encode("utf-8-sig")  # the BOM lets Excel open Chinese text


def _as_xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 - openpyxl only when the demo is loaded

    book = Workbook(write_only=True)
    sheet = book.create_sheet("数据目录")
    sheet.append(list(CATALOG_COLUMNS))
    for row in rows:
        sheet.append(safe_row(row))  # openpyxl stores text starting with "=" as a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _as_json(rows: list[list[object]]) -> bytes:
    records = [dict(zip(CATALOG_COLUMNS, row, strict=True)) for row in rows]
    return json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")


def _date(value: object) -> datetime | None:
    try:
        return datetime.strptime(str(value), "%Y-%m-%d")
    except ValueError:
        return None


def _exists(session: Session, identifier: str) -> bool:
    return session.scalar(select(Dataset.id).where(Dataset.identifier == identifier)) is not None
