"""A dataset's snapshot (its public fields and files, as plain JSON) and the differences
between two snapshots.

A snapshot is built from the rows, with Core queries (no ORM state is touched, so that it can
run inside a commit): ``{"fields": {...}, "files": [...]}``. Only what the dataset page shows
is kept; counters (download counts), timestamps the portal sets itself (``metadata_modified``,
``created_at``) and derived values (quality scores, harvest bookkeeping, ``extras``) are left
out, so that a version is only made by a real change. Dates and times are ISO strings.

The differences (:func:`differences`) are a list of plain dicts::

    {"kind": "field", "field": "title", "old": "…", "new": "…"}
    {"kind": "file", "change": "added" | "removed", "id": "…", "title": "…"}
    {"kind": "file", "change": "changed", "id": "…", "title": "…",
     "fields": [{"field": "byte_size", "old": 10, "new": 12}, …]}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from catalog.db import in_chunks
from catalog.models import CLOSED, PUBLISHED, Dataset, Department, Distribution

# The dataset's public fields, in the order the dataset page shows them.
FIELDS = (
    "title",
    "title_en",
    "description",
    "department",
    "keywords",
    "category",
    "topic",
    "industry",
    "open_type",
    "access_conditions",
    "conditions",
    "share_type",
    "sensitivity",
    "service_item",
    "result_name",
    "is_e_licence",
    "source_system",
    "application_scenarios",
    "delivery_channel",
    "update_frequency",
    "spatial",
    "temporal_start",
    "temporal_end",
    "record_count",
    "issued",
    "modified",
    "contact_name",
    "contact_phone",
    "contact_email",
    "version",
    "identifier",
    "licence",
    "landing_page",
)
_COLUMNS = tuple(f for f in FIELDS if f not in ("title_en", "department"))
# A file's public values (``id`` names it across versions).
FILE_FIELDS = (
    "title",
    "description",
    "format",
    "media_type",
    "byte_size",
    "sha256",
    "stored_file",
    "file_name",
    "download_url",
    "access_url",
    "licence",
    "conforms_to",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _title_en(extras: Mapping[str, Any] | None) -> str | None:
    translations = (extras or {}).get("translations") or {}
    title = translations.get("title") if isinstance(translations, dict) else None
    value = title.get("en") if isinstance(title, dict) else None
    return value if isinstance(value, str) and value else None


def build_snapshots(connection: Connection, dataset_ids: Iterable[str]) -> dict[str, dict]:
    """The snapshots of those of these datasets that are public (a draft, a withdrawn or a
    closed dataset has no version: its content was never public), two queries per 500 ids."""
    snapshots: dict[str, dict[str, Any]] = {}
    dataset_columns = [getattr(Dataset, name) for name in _COLUMNS]
    file_columns = [getattr(Distribution, name) for name in FILE_FIELDS]
    for chunk in in_chunks(sorted(set(dataset_ids))):
        stmt = (
            select(Dataset.id, Dataset.extras, Department.name, *dataset_columns)
            .outerjoin(Department, Department.id == Dataset.department_id)
            .where(Dataset.id.in_(chunk), Dataset.state == PUBLISHED, Dataset.open_type != CLOSED)
        )
        for row in connection.execute(stmt):
            values = row._mapping
            fields = {name: _plain(values[name]) for name in _COLUMNS}
            fields["title_en"] = _title_en(values["extras"])
            fields["department"] = values["name"]
            ordered = {name: fields[name] for name in FIELDS}
            snapshots[values["id"]] = {"fields": ordered, "files": []}
        public = [i for i in chunk if i in snapshots]
        if not public:
            continue
        files = (
            select(Distribution.dataset_id, Distribution.id, *file_columns)
            .where(Distribution.dataset_id.in_(public))
            .order_by(Distribution.dataset_id, Distribution.position, Distribution.created_at)
        )
        for row in connection.execute(files):
            values = row._mapping
            snapshot = snapshots.get(values["dataset_id"])
            if snapshot is not None:
                entry = {"id": values["id"]}
                entry.update({name: _plain(values[name]) for name in FILE_FIELDS})
                snapshot["files"].append(entry)
    return snapshots


def differences(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What changed from ``old`` to ``new`` (``old`` None: the first version, no list)."""
    if old is None:
        return []
    changes: list[dict[str, Any]] = []
    old_fields, new_fields = old.get("fields") or {}, new.get("fields") or {}
    for name in dict.fromkeys((*new_fields, *old_fields)):
        before, after = old_fields.get(name), new_fields.get(name)
        if before != after:
            changes.append({"kind": "field", "field": name, "old": before, "new": after})
    changes.extend(_file_differences(old.get("files") or [], new.get("files") or []))
    return changes


def _file_differences(
    old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    before = {f["id"]: f for f in old}
    after = {f["id"]: f for f in new}
    changes: list[dict[str, Any]] = []
    for file_id, gone in before.items():
        if file_id not in after:
            changes.append(
                {"kind": "file", "change": "removed", "id": file_id, "title": gone.get("title")}
            )
    for file_id, now in after.items():
        was = before.get(file_id)
        if was is None:
            changes.append(
                {"kind": "file", "change": "added", "id": file_id, "title": now.get("title")}
            )
            continue
        fields = [
            {"field": name, "old": was.get(name), "new": now.get(name)}
            for name in FILE_FIELDS
            if was.get(name) != now.get(name)
        ]
        if fields:
            changes.append(
                {
                    "kind": "file",
                    "change": "changed",
                    "id": file_id,
                    "title": now.get("title"),
                    "fields": fields,
                }
            )
    return changes


# What of a file the public sees only when the dataset's files are open to everyone
# (catalog.access.can_fetch_files): its links and the key of the portal's copy.
WITHHELD_FILE_FIELDS = frozenset({"download_url", "access_url", "stored_file"})


def public_snapshot(snapshot: Mapping[str, Any], files_open: bool) -> dict[str, Any]:
    """The snapshot as the public may see it (the withheld file values dropped)."""
    if files_open:
        return dict(snapshot)
    files = [
        {k: v for k, v in f.items() if k not in WITHHELD_FILE_FIELDS}
        for f in snapshot.get("files") or []
    ]
    return {**snapshot, "files": files}


def public_changes(changes: Sequence[Mapping[str, Any]], files_open: bool) -> list[dict[str, Any]]:
    """The differences as the public may see them: a file change that only touched withheld
    values becomes a change with no visible field (the file changed, not how)."""
    if files_open:
        return [dict(c) for c in changes]
    shown: list[dict[str, Any]] = []
    for change in changes:
        change = dict(change)
        if change.get("kind") == "file" and change.get("fields"):
            change["fields"] = [
                f for f in change["fields"] if f.get("field") not in WITHHELD_FILE_FIELDS
            ]
        shown.append(change)
    return shown
