"""Attach distributions to datasets and store their files."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from catalog.db import utcnow
from catalog.errors import InvalidValue
from catalog.models import Dataset, Distribution
from catalog.storage import FileStore
from vocab.formats import format_for

DISTRIBUTION_FIELDS = frozenset(
    {
        "description", "format", "media_type", "byte_size", "sha256", "download_url",
        "access_url", "issued", "modified", "file_name", "licence", "conforms_to",
        "table_schema",
    }
)  # fmt: skip


def attach_distribution(
    session: Session, dataset: Dataset, *, title: str, flush: bool = True, **fields: Any
) -> Distribution:
    """Add a distribution; its format is normalised through the format vocabulary.

    The format is taken from ``format``, else from the file name, the download URL or the
    media type; an unknown format is kept as given (upper-cased) so nothing is lost.
    """
    title, fields = _checked(title, fields)
    distribution = Distribution(
        title=title, position=len(dataset.distributions), download_count=0, **fields
    )
    dataset.distributions.append(distribution)
    dataset.metadata_modified = utcnow()
    if flush:
        session.flush()
    return distribution


def update_distribution(
    session: Session, distribution: Distribution, *, title: str, flush: bool = True, **fields: Any
) -> Distribution:
    """Replace a distribution's description (as a harvest does); its id, stored file and
    download count stay. Fields not given are cleared."""
    title, fields = _checked(title, fields)
    distribution.title = title
    for name in DISTRIBUTION_FIELDS - {"file_name"}:
        setattr(distribution, name, fields.get(name))
    if flush:
        session.flush()
    return distribution


def _checked(title: str, fields: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    unknown = set(fields) - DISTRIBUTION_FIELDS
    if unknown:
        raise InvalidValue(f"unknown distribution fields: {sorted(unknown)}", code="unknown-field")
    title = (title or "").strip()
    if not title:
        raise InvalidValue("a distribution needs a title", code="missing-title", field="title")
    for url_field in ("download_url", "access_url"):
        url = fields.get(url_field)
        if url and not str(url).lower().startswith(("http://", "https://")):
            raise InvalidValue(f"{url_field} must be http(s)", code="invalid-url", field=url_field)
    fields["format"], media_type = _format_and_media_type(title, fields)
    fields["media_type"] = fields.get("media_type") or media_type
    return title, fields


def store_file(
    session: Session,
    store: FileStore,
    dataset: Dataset,
    *,
    file_name: str,
    stream: BinaryIO,
    max_bytes: int,
    title: str | None = None,
    **fields: Any,
) -> Distribution:
    """Store ``stream`` in the file store and attach it as a distribution of ``dataset``."""
    file_name = PurePosixPath(file_name.replace("\\", "/")).name.strip()
    if not file_name:
        raise InvalidValue("a stored file needs a name", code="missing-file-name")
    stored = store.put(stream, max_bytes=max_bytes)
    distribution = attach_distribution(
        session,
        dataset,
        title=title or file_name,
        file_name=file_name,
        byte_size=stored.size,
        sha256=stored.sha256,
        **fields,
    )
    distribution.stored_file = stored.key
    session.flush()
    return distribution


def _format_and_media_type(title: str, fields: dict[str, Any]) -> tuple[str | None, str | None]:
    candidates = [
        fields.get("format"),
        fields.get("file_name"),
        _url_path(fields.get("download_url")),
        fields.get("media_type"),
        title,
    ]
    for candidate in candidates:
        if candidate:
            fmt = format_for(str(candidate))
            if fmt is not None:
                return fmt.notation, fmt.media_type
    given = fields.get("format")
    if given:
        return str(given).strip().upper()[:40], None
    guessed, _ = mimetypes.guess_type(fields.get("file_name") or title)
    return None, guessed


def _url_path(url: str | None) -> str | None:
    if not url:
        return None
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or None
