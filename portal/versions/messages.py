"""The versions pages' words: field and file labels, origins, and a snapshot's values shown
as the dataset page shows them (vocabulary labels, Beijing time, sizes)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from portal.templating import format_bytes, format_name, local_time, vocab_label

# The vocabulary of each controlled field (portal.templating.SCHEMES).
VOCABULARY = {
    "category": "category",
    "open_type": "open_type",
    "share_type": "share_type",
    "sensitivity": "sensitivity",
    "delivery_channel": "delivery_channel",
    "update_frequency": "frequency",
    "spatial": "division",
}
TIMES = frozenset({"issued", "modified"})


def field_label(name: str) -> str:
    labels = {
        "title": _("Title"),
        "title_en": _("English title"),
        "description": _("Description"),
        "department": _("Publisher"),
        "keywords": _("Keywords"),
        "category": _("High-value category"),
        "topic": _("Topic"),
        "industry": _("Industry"),
        "open_type": _("Open type"),
        "access_conditions": _("Application conditions"),
        "conditions": _("Stated conditions"),
        "share_type": _("Share type"),
        "sensitivity": _("Sensitivity level"),
        "service_item": _("Related service item"),
        "result_name": _("Result name"),
        "is_e_licence": _("Electronic licence"),
        "source_system": _("Source system"),
        "application_scenarios": _("Application scenarios"),
        "delivery_channel": _("Delivery channel"),
        "update_frequency": _("Update frequency"),
        "spatial": _("Spatial coverage"),
        "temporal_start": _("Temporal coverage from"),
        "temporal_end": _("Temporal coverage to"),
        "record_count": _("Record count"),
        "issued": _("Issued"),
        "modified": _("Last modified"),
        "contact_name": _("Contact name"),
        "contact_phone": _("Contact phone"),
        "contact_email": _("Contact email"),
        "version": _("Version"),
        "identifier": _("Identifier"),
        "licence": _("Licence"),
        "landing_page": _("Landing page"),
    }
    return labels.get(name, name)


def file_field_label(name: str) -> str:
    labels = {
        "title": _("Title"),
        "description": _("Description"),
        "format": _("Format"),
        "media_type": _("Media type"),
        "byte_size": _("Size"),
        "sha256": _("SHA-256 checksum"),
        "stored_file": _("Stored content"),
        "file_name": _("File name"),
        "download_url": _("Download address"),
        "access_url": _("Access address"),
        "licence": _("Licence"),
        "conforms_to": _("Conforms to"),
    }
    return labels.get(name, name)


def origin_label(origin: str) -> str:
    labels = {
        "editor": _("Publishing pages"),
        "api": _("API"),
        "harvest": _("Harvest"),
        "cli": _("Command line"),
        "system": _("System"),
    }
    return labels.get(origin, origin)


def file_change_label(change: str) -> str:
    labels = {"added": _("File added"), "removed": _("File removed"), "changed": _("File changed")}
    return labels.get(change, change)


def shown(field: str, value: Any) -> str:
    """A snapshot value as text ('' when there is none)."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if field in VOCABULARY:
        return vocab_label(VOCABULARY[field], str(value))
    if field in TIMES:
        try:
            return local_time(datetime.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field == "keywords" and isinstance(value, list):
        return "、".join(str(v) for v in value)
    if field == "record_count" and isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def shown_file(field: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if field == "byte_size" and isinstance(value, int):
        return format_bytes(value)
    if field == "format":
        return format_name(str(value))
    return str(value)


def summary(changes: list[dict[str, Any]]) -> str:
    """One line: which fields changed and how many files were added, removed or changed."""
    if not changes:
        return _("First recorded version")
    fields = [field_label(c["field"]) for c in changes if c.get("kind") == "field"]
    parts = []
    if fields:
        parts.append(_("Changed: %(fields)s", fields="、".join(fields)))
    for change in ("added", "removed", "changed"):
        count = sum(1 for c in changes if c.get("kind") == "file" and c.get("change") == change)
        if count:
            parts.append(_("%(what)s: %(count)s", what=file_change_label(change), count=count))
    return "；".join(parts)
