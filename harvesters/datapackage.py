"""Frictionless data packages: a ``datapackage.json`` at a URL (or a local path).

Listing: the descriptor is the one record of the source (its id, else its name); a Table
Schema given by reference (a URL, or a path beside the descriptor) is fetched now, under the
same limits, so that mapping has everything. A descriptor that is not a JSON object with a
``resources`` list fails the job (``not-a-data-package``).

Mapping: title, description, keywords, licence, version, homepage, the publisher among the
contributors; each resource becomes a distribution whose URL is resolved against the
descriptor's, with its format, media type, size, sha256 hash and Table Schema (kept whole in
``table_schema``, and its URL in ``conforms_to`` when it was given by reference). A resource
whose data sits beside a local descriptor has no link to give: it is kept, with a warning.
Keys the catalog has no field for are kept in ``extras["datapackage"]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from catalog.drafts import DatasetDraft, DistributionDraft
from catalog.harvest.prepare import RecordIssue
from catalog.input_limits import InputLimitError, check_json_depth
from harvesters.base import BaseHarvester, RecordError, SourceError
from harvesters.fetch import FetchError, is_url
from harvesters.spool import RemoteRecord

MAPPED = frozenset({
    "id", "name", "title", "description", "keywords", "licenses", "version", "homepage",
    "created", "contributors", "resources", "last_modified", "last_updated",
})  # fmt: skip


class DataPackageHarvester(BaseHarvester):
    kind = "datapackage"

    def list_records(self) -> Iterator[RemoteRecord]:
        fetched = self.fetcher.get(self.source.url, accept="application/json")
        try:
            check_json_depth(fetched.content, self.input_limits())
        except InputLimitError as error:
            raise SourceError(error.code, f"datapackage.json: {error.message}") from None
        try:
            descriptor = json.loads(fetched.content.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as error:
            message = f"datapackage.json is not JSON: {error}"
            raise SourceError("malformed-response", message) from None
        if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
            raise SourceError(
                "not-a-data-package", "the descriptor is not an object with a resources list"
            )
        schemas = {
            index: self._schema(reference, fetched.url)
            for index, resource in enumerate(descriptor["resources"])
            if isinstance(resource, dict) and isinstance(reference := resource.get("schema"), str)
        }
        remote_id = str(descriptor.get("id") or descriptor.get("name") or self.source.url)
        payload = {"descriptor": descriptor, "base": fetched.url, "schemas": schemas}
        yield RemoteRecord(remote_id, payload, descriptor.get("title") or descriptor.get("name"))

    def _schema(self, reference: str, base: str) -> dict[str, Any] | str:
        """A referenced Table Schema, or why it could not be read (the record warns)."""
        location = urljoin(base, reference) if is_url(base) else _beside(base, reference)
        try:
            content = self.fetcher.get(location).content
            check_json_depth(content, self.input_limits())  # a ValueError (InputLimitError)
            schema = json.loads(content.decode("utf-8-sig"))
        except (FetchError, UnicodeDecodeError, ValueError) as error:
            return f"{location}: {getattr(error, 'message', error)}"
        return schema if isinstance(schema, dict) else f"{location}: not a JSON object"

    def map_record(self, record: RemoteRecord, warnings: list[RecordIssue]) -> DatasetDraft:
        descriptor: dict[str, Any] = record.payload["descriptor"]
        base: str = record.payload["base"]
        title = _text(descriptor.get("title")) or _text(descriptor.get("name"))
        if not title:
            raise RecordError("missing-title", "the data package has neither title nor name")
        licences = [x for x in descriptor.get("licenses") or [] if isinstance(x, dict)]
        licence = next((_text(x.get("path") or x.get("name")) for x in licences), None)
        keywords = descriptor.get("keywords") or []
        draft = DatasetDraft(
            title=title,
            description=_text(descriptor.get("description")) or "",
            identifier=_text(descriptor.get("id")) or _text(descriptor.get("name")),
            uri=base if is_url(base) else None,
            publisher_name=_publisher(descriptor),
            keywords=[k.strip() for k in keywords if isinstance(k, str) and k.strip()],
            licence=licence,
            version=_text(descriptor.get("version")),
            landing_page=_text(descriptor.get("homepage")),
            issued=_moment(descriptor.get("created")),
            modified=_moment(descriptor.get("last_modified") or descriptor.get("last_updated")),
        )
        schemas = record.payload["schemas"]
        for index, resource in enumerate(descriptor["resources"]):
            if not isinstance(resource, dict):
                warnings.append(
                    RecordIssue("malformed-resource", f"resource {index} is not an object")
                )
                continue
            draft.distributions.append(_distribution(resource, base, schemas.get(index), warnings))
        unmapped = {k: v for k, v in descriptor.items() if k not in MAPPED}
        if unmapped:
            draft.extras = {"datapackage": unmapped}
        return draft


def _distribution(
    resource: dict[str, Any], base: str, fetched: dict[str, Any] | str | None, warnings: list
) -> DistributionDraft:
    path = resource.get("path")
    path = path[0] if isinstance(path, list) and path else path
    url = None
    if isinstance(path, str) and path:
        if is_url(path) or is_url(base):
            url = urljoin(base, path) if is_url(base) else path
        else:
            warnings.append(
                RecordIssue("local-resource", f"{path} is a local file: it is not linked", "path")
            )
    elif "data" in resource:
        warnings.append(RecordIssue("inline-data", "inline data is not published as a file"))
    schema = resource.get("schema")
    conforms_to = None
    if isinstance(schema, str):
        conforms_to = urljoin(base, schema) if is_url(base) else None
        if isinstance(fetched, str):
            warnings.append(RecordIssue("unreadable-schema", fetched, "schema"))
        schema = fetched if isinstance(fetched, dict) else None
    digest = str(resource.get("hash") or "")
    return DistributionDraft(
        title=_text(resource.get("title")) or _text(resource.get("name")) or str(path or "data"),
        description=_text(resource.get("description")),
        format=_text(resource.get("format")),
        media_type=_text(resource.get("mediatype") or resource.get("mediaType")),
        byte_size=resource.get("bytes") if isinstance(resource.get("bytes"), int) else None,
        sha256=digest.removeprefix("sha256:") if digest.startswith("sha256:") else None,
        download_url=url,
        conforms_to=conforms_to,
        table_schema=schema if isinstance(schema, dict) else None,
    )


def _publisher(descriptor: dict[str, Any]) -> str | None:
    people = [c for c in descriptor.get("contributors") or [] if isinstance(c, dict)]
    chosen = next((c for c in people if c.get("role") == "publisher"), None)
    return _text(chosen.get("title")) if chosen else None


def _beside(descriptor_path: str, reference: str) -> str:
    return (
        str(descriptor_path).rsplit("/", 1)[0] + "/" + reference
        if "/" in descriptor_path
        else reference
    )


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
