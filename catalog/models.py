"""The catalog model: departments, datasets and their distributions.

Controlled values (category, open type, frequency, format, …) are stored as the stable
notations of the vocabularies in :mod:`vocab`; labels and URIs are looked up from there.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.db import Base, utcnow
from vocab.formats import FileFormat, format_for

if TYPE_CHECKING:
    from catalog.harvest.models import HarvestRecord
    from catalog.reuses.models import Reuse

# Dataset lifecycle states.
DRAFT = "draft"
PENDING = "pending"  # submitted for a reviewer's approval (departments that require one)
PUBLISHED = "published"
WITHDRAWN = "withdrawn"
ARCHIVED = "archived"  # harvested, then gone from its source: hidden, never deleted
STATES = (DRAFT, PENDING, PUBLISHED, WITHDRAWN, ARCHIVED)

# The open type whose datasets are never shown publicly (vocab/open_types: 不予开放).
CLOSED = "closed"


def new_id() -> str:
    return str(uuid.uuid4())


class Department(Base):
    """A publishing organisation: a regional department, a city bureau, a county office."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="SET NULL"))
    division: Mapped[str | None] = mapped_column(String(12))  # division code, e.g. 450100
    phone: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    homepage: Mapped[str | None] = mapped_column(String(500))
    # the licence of its datasets that name none (a licences notation); None: the platform's
    default_licence: Mapped[str | None] = mapped_column(String(100))
    # publication needs a reviewer's approval (draft → pending → published)
    requires_review: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    parent: Mapped[Department | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Department]] = relationship(back_populates="parent")
    datasets: Mapped[list[Dataset]] = relationship(back_populates="department")

    def __repr__(self) -> str:
        return f"<Department {self.slug}>"


class Dataset(Base):
    """A catalog entry with the DCAT core and the government catalog fields."""

    __tablename__ = "dataset"
    __table_args__ = (
        Index("ix_dataset_state_open_type", "state", "open_type"),
        Index("ix_dataset_modified", "modified"),
        Index("ix_dataset_state_id", "state", "id", "open_type"),  # catalog pages in id order
        Index("ix_dataset_metadata_modified", "metadata_modified"),  # modified_since
        Index("ix_dataset_issued", "issued"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="RESTRICT"), index=True
    )
    keywords: Mapped[list[str]] = mapped_column(default=list)
    category: Mapped[str | None] = mapped_column(String(40), index=True)  # vocab/categories
    topic: Mapped[str | None] = mapped_column(String(100))  # the department's own topic
    industry: Mapped[str | None] = mapped_column(String(100))  # 所属行业 (GB/T 4754 section)
    open_type: Mapped[str] = mapped_column(String(40), default="unconditional")  # vocab/open_types
    access_conditions: Mapped[str | None] = mapped_column(Text)  # 开放条件 of conditional data
    # The same conditions, structured (catalog/conditions.py ``Conditions.to_dict``).
    conditions: Mapped[dict[str, Any] | None] = mapped_column()
    share_type: Mapped[str | None] = mapped_column(String(40))  # vocab/share_types
    sensitivity: Mapped[str | None] = mapped_column(String(40))  # vocab/sensitivity
    service_item: Mapped[str | None] = mapped_column(String(300))  # 所属事项名称
    result_name: Mapped[str | None] = mapped_column(String(300))  # 结果名称
    is_e_licence: Mapped[bool] = mapped_column(Boolean, default=False)  # 是否电子证照
    source_system: Mapped[str | None] = mapped_column(String(300))  # 来源系统
    application_scenarios: Mapped[str | None] = mapped_column(Text)  # 应用场景
    delivery_channel: Mapped[str | None] = mapped_column(String(40))  # vocab/delivery_channels
    update_frequency: Mapped[str | None] = mapped_column(String(40))  # vocab/frequencies
    spatial: Mapped[str | None] = mapped_column(String(12))  # division code
    temporal_start: Mapped[date | None] = mapped_column(Date)
    temporal_end: Mapped[date | None] = mapped_column(Date)
    licence: Mapped[str | None] = mapped_column(String(100))
    issued: Mapped[datetime | None] = mapped_column(DateTime)
    modified: Mapped[datetime | None] = mapped_column(DateTime)
    record_count: Mapped[int | None] = mapped_column(BigInteger)  # 数据量
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(100))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    landing_page: Mapped[str | None] = mapped_column(String(1000))
    version: Mapped[str | None] = mapped_column(String(50))
    identifier: Mapped[str | None] = mapped_column(String(300), index=True)
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)  # demo sample, labelled
    extras: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(20), default=DRAFT)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    metadata_modified: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department | None] = relationship(back_populates="datasets")
    distributions: Mapped[list[Distribution]] = relationship(
        back_populates="dataset",
        cascade="all, delete-orphan",
        order_by="Distribution.position",
    )
    # Where a harvested dataset came from (at most one record owns a dataset; see
    # catalog.harvest.sync). Read-only here: the harvest writes the records.
    harvest_record: Mapped[HarvestRecord | None] = relationship(
        "HarvestRecord", viewonly=True, uselist=False
    )
    # The approved reuses built on it (catalog.reuses; read-only, for the DCAT output).
    approved_reuses: Mapped[list[Reuse]] = relationship(
        "Reuse",
        secondary="reuse_dataset",
        primaryjoin="Dataset.id == ReuseDataset.dataset_id",
        secondaryjoin="and_(ReuseDataset.reuse_id == Reuse.id, Reuse.state == 'approved')",
        viewonly=True,
        order_by="Reuse.id",
    )

    @property
    def is_public(self) -> bool:
        return self.state == PUBLISHED and self.open_type != CLOSED

    @property
    def formats(self) -> list[str]:
        """The distinct formats of the distributions, in order."""
        return list(dict.fromkeys(d.format for d in self.distributions if d.format))

    @property
    def download_count(self) -> int:
        return sum(d.download_count for d in self.distributions)

    def __repr__(self) -> str:
        return f"<Dataset {self.slug}>"


class Distribution(Base):
    """One way to get a dataset: a stored file, a remote download URL or an access page."""

    __tablename__ = "distribution"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str | None] = mapped_column(String(40))  # vocab/formats notation
    media_type: Mapped[str | None] = mapped_column(String(200))
    byte_size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    download_url: Mapped[str | None] = mapped_column(String(2000))
    stored_file: Mapped[str | None] = mapped_column(String(200))  # key in the file store
    file_name: Mapped[str | None] = mapped_column(String(300))  # name offered on download
    access_url: Mapped[str | None] = mapped_column(String(2000))
    issued: Mapped[datetime | None] = mapped_column(DateTime)
    modified: Mapped[datetime | None] = mapped_column(DateTime)
    licence: Mapped[str | None] = mapped_column(String(300))  # when it differs from the dataset's
    conforms_to: Mapped[str | None] = mapped_column(String(2000))  # e.g. a Table Schema URL
    table_schema: Mapped[dict[str, Any] | None] = mapped_column()  # a Frictionless Table Schema
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    dataset: Mapped[Dataset] = relationship(back_populates="distributions")

    @property
    def file_format(self) -> FileFormat | None:
        return format_for(self.format) if self.format else None

    @property
    def machine_readable(self) -> bool:
        fmt = self.file_format
        return bool(fmt and fmt.machine_readable)

    @property
    def non_proprietary(self) -> bool:
        fmt = self.file_format
        return bool(fmt and fmt.non_proprietary)

    @property
    def rdf(self) -> bool:
        fmt = self.file_format
        return bool(fmt and fmt.rdf)

    def __repr__(self) -> str:
        return f"<Distribution {self.title}>"


# The harvest tables are part of the catalog's model, and Dataset.harvest_record names one of
# them: register them whenever these are (they import this module, hence the import last).
from catalog import audit as _audit  # noqa: E402, F401
from catalog.accounts import models as _account_models  # noqa: E402, F401
from catalog.applications import models as _application_models  # noqa: E402, F401
from catalog.datarequests import models as _datarequest_models  # noqa: E402, F401
from catalog.feedback import models as _feedback_models  # noqa: E402, F401
from catalog.harvest import models as _harvest_models  # noqa: E402, F401
from catalog.reuses import models as _reuse_models  # noqa: E402, F401
from catalog.sandbox import models as _sandbox_models  # noqa: E402, F401
from catalog.stats import models as _stats_models  # noqa: E402, F401
from catalog.versions import models as _version_models  # noqa: E402, F401
