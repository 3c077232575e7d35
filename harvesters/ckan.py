"""CKAN portals, through ``ckanapi.RemoteCKAN`` with the portal's limited session.

Listing: ``package_search`` paged by ``rows`` (at most 1000) and ``start``; with an optional
organization filter (``config["organization"]``); incremental with
``fq=metadata_modified:[<start of the last successful run> TO *]``, the ids of every current
package then read cheaply with ``fl=id`` so that disappearances are still seen. A site that
refuses the incremental query is searched in full (note ``incremental-unsupported``); a site
without ``package_search`` (refused as unknown, or answered 404) is read with
``package_list`` and ``package_show`` (note ``search-unavailable``); a site with neither
fails the job (``no-ckan-api``).

Mapping one package: :mod:`harvesters.ckan_package`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from ckanapi import RemoteCKAN
from ckanapi.errors import CKANAPIError, NotAuthorized, NotFound, SearchQueryError

from catalog.drafts import DatasetDraft
from catalog.harvest.prepare import RecordIssue
from harvesters.base import BaseHarvester, RecordError, SourceError
from harvesters.ckan_package import package_draft
from harvesters.fetch import USER_AGENT, FetchError
from harvesters.spool import RemoteRecord

MAX_ROWS = 1000
LISTINGS = ("package_search", "package_list")  # a 404 to these: the site lacks the action
_STATUS = re.compile(r"^\[[^,]*, (\d{3}), ")  # the status in ckanapi's repr([url, status, body])
SORT = "metadata_modified asc"


class CkanHarvester(BaseHarvester):
    kind = "ckan"
    incremental = True

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.address = self.source.url.rstrip("/")
        self.api = RemoteCKAN(
            self.address, session=self.fetcher.session, get_only=True, user_agent=USER_AGENT
        )
        self.organization = str(self.source.config.get("organization") or "").strip() or None
        self.rows = max(1, min(int(self.source.config.get("rows") or MAX_ROWS), MAX_ROWS))

    # -- listing -----------------------------------------------------------------------------

    def list_records(self) -> Iterator[RemoteRecord]:
        try:
            yield from self._search(self._filter(self.since))
            return
        except _Refused as refused:
            if self.since is None or refused.unknown_action:
                note = "search-unavailable"
            else:
                note = "incremental-unsupported"
        self.notes.append(note)
        self.since = None  # a full listing: disappearances are seen from it
        if note == "incremental-unsupported":
            try:
                yield from self._search(self._filter(None))
                return
            except _Refused:
                self.notes.append("search-unavailable")
        yield from self._list_and_show()

    def complete_ids(self) -> set[str] | None:
        ids: set[str] = set()
        for package in self._pages(self._filter(None), fields="id"):
            ids.add(str(package.get("id") or package.get("name")))
        return ids

    def fetch_record(self, remote_id: str) -> RemoteRecord | None:
        try:
            package = self._call("package_show", id=remote_id)
        except _Missing:
            return None
        return _record(package)

    def _search(self, fq: str) -> Iterator[RemoteRecord]:
        listed: set[str] = set()
        for package in self._pages(fq):
            record = _record(package)
            if record.remote_id not in listed:  # paging over a changing site may repeat one
                listed.add(record.remote_id)
                yield record

    def _pages(self, fq: str, fields: str | None = None) -> Iterator[dict[str, Any]]:
        start, count = 0, None
        while count is None or start < count:
            params: dict[str, Any] = {"q": "*:*", "rows": self.rows, "start": start, "sort": SORT}
            if fq:
                params["fq"] = fq
            if fields:
                params["fl"] = fields
            result = self._call("package_search", **params)
            if not isinstance(result, Mapping) or not isinstance(result.get("results"), list):
                raise SourceError("malformed-response", "package_search gave no result list")
            count = int(result.get("count") or 0)
            packages = result["results"]
            if not packages:
                break
            for package in packages:
                if not isinstance(package, Mapping):
                    raise SourceError("malformed-response", "a package_search result is no object")
                yield dict(package)
            start += len(packages)

    def _list_and_show(self) -> Iterator[RemoteRecord]:
        try:
            names = self._call("package_list")
        except _Refused:
            raise SourceError(
                "no-ckan-api", "the site answers neither package_search nor package_list"
            ) from None
        if not isinstance(names, list):
            raise SourceError("malformed-response", "package_list gave no list")
        for name in names:
            try:
                package = self._call("package_show", id=str(name))
            except _Missing:
                yield RemoteRecord(str(name), None, str(name))
                continue
            if self.organization and _organization_name(package) != self.organization:
                continue
            yield _record(package)

    def _filter(self, since: datetime | None) -> str:
        clauses = []
        if self.organization:
            clauses.append(f"organization:{self.organization}")
        if since is not None:
            clauses.append(f"metadata_modified:[{since.strftime('%Y-%m-%dT%H:%M:%S')}Z TO *]")
        return " ".join(clauses)

    def _call(self, action: str, **params: Any) -> Any:
        try:
            return self.api.call_action(action, params)
        except FetchError:
            raise
        except RecursionError:  # ckanapi parses the answer: JSON nested past the stack
            raise SourceError(
                "document-too-deep", f"{action} answered JSON nested too deeply"
            ) from None
        except NotFound:
            if action in LISTINGS:
                raise _Refused(f"{action} answered 404", unknown_action=True) from None
            raise _Missing() from None
        except (SearchQueryError, NotAuthorized) as error:
            raise _Refused(str(error)) from None
        except CKANAPIError as error:
            text = str(error)
            status = _STATUS.match(text)
            if status is not None and status.group(1) == "404":  # a 404 page, not CKAN's JSON
                if action in LISTINGS:
                    raise _Refused(f"{action} answered 404", unknown_action=True) from None
                raise _Missing() from None
            if "Action name not known" in text or "Bad request" in text:
                raise _Refused(text, unknown_action="not known" in text) from None
            raise SourceError(
                "malformed-response",
                f"{action} did not answer with CKAN's JSON: {text[:300]}",
            ) from None

    # -- mapping -----------------------------------------------------------------------------

    def map_record(self, record: RemoteRecord, warnings: list[RecordIssue]) -> DatasetDraft:
        package = record.payload
        if package is None and record.remote_id.startswith("unnamed-"):
            raise RecordError("missing-id", "the package has neither an id nor a name")
        if package is None:
            raise RecordError("not-found", f"package_show found no package {record.remote_id}")
        if not isinstance(package, dict):
            raise RecordError("malformed-record", "the package is not a JSON object")
        if package.get("state") not in (None, "active"):
            raise RecordError("not-active", f"the package is {package.get('state')}")
        if package.get("private") is True:
            raise RecordError("private-record", "the package is private")
        return package_draft(package, self.address, warnings)


class _Refused(Exception):
    def __init__(self, message: str, unknown_action: bool = False):
        super().__init__(message)
        self.unknown_action = unknown_action


class _Missing(Exception):
    pass


def _record(package: Mapping[str, Any]) -> RemoteRecord:
    """A package as a record: CKAN's id is its remote id (its name when a source omits it)."""
    title = package.get("title")
    label = title if isinstance(title, str) else None
    remote_id = package.get("id") or package.get("name")
    if not remote_id:
        digest = hashlib.sha1(json.dumps(package, sort_keys=True, default=str).encode())
        return RemoteRecord("unnamed-" + digest.hexdigest()[:16], None, label)
    return RemoteRecord(str(remote_id), dict(package), label)


def _organization_name(package: Mapping[str, Any]) -> str | None:
    organization = package.get("organization")
    if isinstance(organization, dict):
        return organization.get("name")
    return package.get("owner_org")
