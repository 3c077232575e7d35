"""Link checks: does each access URL and download URL answer?

One row per URL (``link_check``), shared by every distribution that points at it — the 5,411
files of the demo catalog all point at one page of data.gxzf.gov.cn, which is checked once.
A URL checked within ``max_age`` is not checked again. A stored file needs no network: its
download URL is the portal's own, and it answers when the file is in the store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.db import in_chunks, utcnow
from catalog.models import Dataset, Distribution
from catalog.quality.models import LinkCheck
from catalog.quality.remote import Limits, LinkResult, check_url, is_http
from catalog.storage import FileStore

MAX_AGE = timedelta(days=7)
PARALLEL = 8


@dataclass(frozen=True)
class LinkStatus:
    """What is known of one distribution's links: True answers, False fails, None unknown."""

    access: bool | None
    download_given: bool
    download: bool | None


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def urls_of(distributions: Iterable[Distribution]) -> list[str]:
    """The distinct remote URLs of these distributions."""
    found: dict[str, None] = {}
    for distribution in distributions:
        for url in (distribution.access_url, distribution.download_url):
            if url and is_http(url):
                found.setdefault(url, None)
    return list(found)


def check_links(
    session: Session, urls: Iterable[str], limits: Limits, max_age: timedelta = MAX_AGE
) -> list[LinkCheck]:
    """Check every URL not checked within ``max_age``; store and return the results.

    With the network off nothing is checked and nothing stored: earlier results stand.
    """
    if not limits.network:
        return []
    urls = list(urls)
    known = checks_for(session, urls)
    fresh_after = utcnow() - max_age
    due = [u for u in dict.fromkeys(urls) if u not in known or known[u].checked_at < fresh_after]
    if not due:
        return []
    with ThreadPoolExecutor(max_workers=min(PARALLEL, len(due))) as pool:
        results = list(pool.map(lambda url: check_url(url, limits), due))
    return [_store(session, known.get(r.url), r) for r in results]


def check_dataset_links(session: Session, dataset: Dataset, limits: Limits) -> list[LinkCheck]:
    return check_links(session, urls_of(dataset.distributions), limits)


def checks_for(session: Session, urls: Iterable[str]) -> dict[str, LinkCheck]:
    by_hash = {url_hash(u): u for u in urls}
    found: dict[str, LinkCheck] = {}
    for chunk in in_chunks(by_hash):
        stmt = select(LinkCheck).where(LinkCheck.url_hash.in_(chunk))
        for check in session.scalars(stmt):
            found[by_hash[check.url_hash]] = check
    return found


def link_status(
    distribution: Distribution, checks: dict[str, LinkCheck], store: FileStore | None
) -> LinkStatus:
    """The known state of a distribution's access and download links."""

    def answered(url: str | None) -> bool | None:
        check = checks.get(url) if url else None
        return None if check is None else check.ok

    if distribution.stored_file:
        present = store.exists(distribution.stored_file) if store is not None else None
        return LinkStatus(access=present, download_given=True, download=present)
    access_url = distribution.access_url or distribution.download_url
    download = answered(distribution.download_url) if distribution.download_url else None
    return LinkStatus(
        access=answered(access_url),
        download_given=bool(distribution.download_url),
        download=download,
    )


def _store(session: Session, row: LinkCheck | None, result: LinkResult) -> LinkCheck:
    if row is None:
        row = LinkCheck(url_hash=url_hash(result.url), url=result.url)
        session.add(row)
    row.checked_at = utcnow()
    row.ok = result.ok
    row.status_code = result.status_code
    row.problem = result.problem
    row.elapsed_ms = result.elapsed_ms
    row.content_type = (result.content_type or "")[:200] or None
    session.flush()
    return row
