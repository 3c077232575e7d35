"""Load the demo catalog through the service functions, as an administrator would.

Idempotent: entries are keyed by a stable identifier, so loading twice adds nothing.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.demo import guangxi, packages, reuses, samples
from catalog.licensing import licence_sources
from catalog.models import Dataset, Department
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.departments import get_or_create_department
from catalog.services.distributions import attach_distribution
from catalog.storage import FileStore
from vocab import topics

DATA = Path(__file__).with_name("data")
GUANGXI_FILE = DATA / "guangxi-data-gxzf-catalog-2021.json"
SOURCE_PORTAL = "https://data.gxzf.gov.cn/"
SOURCE_TAG = "data.gxzf.gov.cn/2021"
IDENTIFIER_PREFIX = "gxzf-2021-"
_NAMESPACE = uuid.UUID("7b0f3c52-6b8e-4d1c-9a7e-3f1c2b9d5e10")


@dataclass
class LoadReport:
    records: int = 0
    entries: int = 0
    datasets_added: int = 0
    datasets_existing: int = 0
    distributions_added: int = 0
    departments: int = 0
    repaired_records: int = 0
    placeholder_values: int = 0
    unreadable_records: int = 0
    uncategorised_topics: dict[str, int] = field(default_factory=dict)
    packages: int = 0
    samples: int = 0
    licence_sources: dict[str, int] = field(default_factory=dict)  # catalog.licensing

    def lines(self) -> list[str]:
        return [
            f"catalog records read:        {self.records}",
            f"catalog entries (datasets):  {self.entries}",
            f"datasets added / existing:   {self.datasets_added} / {self.datasets_existing}",
            f"distributions added:         {self.distributions_added}",
            f"departments:                 {self.departments}",
            f"shifted records repaired:    {self.repaired_records}",
            f"placeholder values (暂无…):   {self.placeholder_values}",
            f"unreadable records skipped:  {self.unreadable_records}",
            f"data packages:               {self.packages}",
            f"sample conditional datasets: {self.samples}",
            "topics without a category:   "
            + ", ".join(f"{k} ({v})" for k, v in sorted(self.uncategorised_topics.items())),
            "licences (public datasets):  "
            + ", ".join(f"{k} {v}" for k, v in self.licence_sources.items())
            + " (platform: only the platform's terms of use, /terms)",
        ]


def demo_loaded(session: Session) -> bool:
    stmt = select(func.count()).where(Dataset.identifier.like(f"{IDENTIFIER_PREFIX}%"))
    return (session.scalar(stmt) or 0) > 0


def load_demo(session: Session, store: FileStore, max_bytes: int) -> LoadReport:
    """Load everything; the caller commits."""
    report = LoadReport()
    load_guangxi_catalog(session, report, GUANGXI_FILE.read_text(encoding="utf-8"))
    report.packages = packages.load_packages(session, store, DATA, max_bytes)
    report.packages += packages.load_catalog_table(session, store, max_bytes)
    report.samples = samples.load_samples(session, store, max_bytes)
    reuses.load_competition(session)  # the 2022 competition and two example entries
    report.departments = session.scalar(select(func.count(Department.id))) or 0
    report.licence_sources = licence_sources(session)
    return report


def load_guangxi_catalog(session: Session, report: LoadReport, text: str) -> None:
    read = guangxi.ReadReport()
    entries = guangxi.group_entries(list(guangxi.read_records(text, read)))
    report.records += read.records
    report.repaired_records += read.repaired_records
    report.placeholder_values += read.placeholder_values
    report.unreadable_records += read.unreadable
    report.entries += len(entries)
    existing = set(
        session.scalars(
            select(Dataset.identifier).where(Dataset.identifier.like(f"{IDENTIFIER_PREFIX}%"))
        )
    )
    departments: dict[str, Department] = {}
    for entry in entries:
        identifier = entry_identifier(entry)
        if identifier in existing:
            report.datasets_existing += 1
            continue
        existing.add(identifier)
        _load_entry(session, entry, identifier, departments, report)


def entry_identifier(entry: guangxi.CatalogEntry) -> str:
    key = f"{entry.value('来源部门')}/{entry.title}/{entry.value('发布时间')}"
    return IDENTIFIER_PREFIX + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _load_entry(
    session: Session,
    entry: guangxi.CatalogEntry,
    identifier: str,
    departments: dict[str, Department],
    report: LoadReport,
) -> None:
    name = entry.value("来源部门") or "未注明来源部门"
    department = departments.get(name)
    if department is None:
        department = departments[name] = get_or_create_department(
            session, name, phone=entry.value("部门电话"), email=entry.value("部门邮箱")
        )
    topic = entry.topic if entry.topic not in guangxi.PLACEHOLDERS else None
    category = topics.category_for_topic(topic) if topic else None
    if topic and category is None:
        report.uncategorised_topics[topic] = report.uncategorised_topics.get(topic, 0) + 1
    issued = entry.timestamp("发布时间")
    dataset = create_dataset(
        session,
        id=str(uuid.uuid5(_NAMESPACE, identifier)),
        title=entry.title,
        department=department,
        description=entry.value("描述") or "",
        keywords=[topic] if topic and topic != "其他" else [],
        topic=topic,
        category=category,
        industry=entry.value("所属行业"),
        open_type=entry.value("开放状态") or "有条件开放",  # never open by default
        update_frequency=entry.value("更新频率"),
        spatial=department.division,
        issued=issued,
        modified=entry.timestamp("最后更新时间") or issued,
        record_count=entry.integer("数据量"),
        contact_name=name,
        contact_phone=entry.value("部门电话"),
        contact_email=entry.value("部门邮箱"),
        identifier=identifier,
        delivery_channel="download",
        extras={
            "source": SOURCE_TAG,
            "file_count": entry.integer("文件数"),
            "repaired_records": entry.repaired_records,
        },
    )
    for file_name in entry.files:
        attach_distribution(
            session,
            dataset,
            title=file_name,
            file_name=file_name,
            access_url=SOURCE_PORTAL,
            issued=issued,
            modified=dataset.modified,
        )
        report.distributions_added += 1
    publish_dataset(session, dataset)
    report.datasets_added += 1
