"""Drafts: a dataset as a source describes it, before it is in the catalog.

Harvesters and parsers (the DCAT-AP profile, CKAN, spreadsheets, data packages) produce
drafts; the harvest job turns a draft into a Dataset through the service functions. The
attribute names are those of :class:`catalog.models.Dataset` and ``Distribution``, so a
draft maps onto the model field by field, and a published dataset read back by the portal's
own DCAT harvester gives an equal draft (the round trip).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any


@dataclass
class DistributionDraft:
    title: str
    description: str | None = None
    format: str | None = None  # a format notation, extension, media type or EU URI
    media_type: str | None = None
    byte_size: int | None = None
    sha256: str | None = None
    download_url: str | None = None
    access_url: str | None = None
    issued: datetime | None = None
    modified: datetime | None = None
    licence: str | None = None
    conforms_to: str | None = None  # e.g. the URL of a Table Schema
    table_schema: dict[str, Any] | None = None  # a Frictionless Table Schema, kept whole
    uri: str | None = None  # the distribution's URI at the source


@dataclass
class DatasetDraft:
    title: str
    description: str = ""
    identifier: str | None = None  # the source's identifier (dct:identifier, CKAN id)
    uri: str | None = None  # the dataset's URI at the source
    publisher_name: str | None = None  # becomes the department
    publisher_uri: str | None = None
    keywords: list[str] = field(default_factory=list)
    category: str | None = None
    topic: str | None = None
    industry: str | None = None  # 所属行业
    open_type: str | None = None
    access_conditions: str | None = None
    share_type: str | None = None
    sensitivity: str | None = None
    service_item: str | None = None
    result_name: str | None = None
    is_e_licence: bool | None = None
    source_system: str | None = None
    application_scenarios: str | None = None
    delivery_channel: str | None = None
    update_frequency: str | None = None
    spatial: str | None = None
    temporal_start: date | None = None
    temporal_end: date | None = None
    licence: str | None = None
    issued: datetime | None = None
    modified: datetime | None = None
    record_count: int | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    landing_page: str | None = None
    version: str | None = None
    distributions: list[DistributionDraft] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    def dataset_fields(self) -> dict[str, Any]:
        """The values for ``create_dataset``/``update_dataset``: every given model field."""
        skip = {"uri", "publisher_name", "publisher_uri", "distributions", "extras"}
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}
        return {k: v for k, v in values.items() if v is not None and v != []}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
