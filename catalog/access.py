"""Who may fetch what. One place for the rule, so later grants extend it here.

Public pages show every published dataset that is not 不予开放. Files of 有条件开放
datasets are only for applicants whose request was granted: :func:`active_grant` is the one
answer to "may this person have this conditional file now", and the file then goes out masked
(:mod:`catalog.applications.delivery`), never as stored.

:func:`public_distribution` is the one answer to "what of this file may the public see":
every output (HTML, CKAN and REST APIs, DCAT, schema.org, datapackage.json, previews,
validation reports) asks it rather than reading ``download_url`` or ``stored_file`` itself.
An open type that is not exactly 无条件开放 (conditional, closed, unknown, missing) fails
closed: no file, no source link to one, no cell value.

A source link that is not a file (a site's home page, a URL without a path, the dataset's own
landing page or its department's homepage) is never offered as the file: it is the
``source_page`` (published as the dataset's landing page, "在源平台查看"), not ``access_url``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.applications.models import ACTIVE, Grant
from catalog.models import PUBLISHED, Dataset, Distribution
from catalog.permissions import Actor, can

UNCONDITIONAL = "unconditional"
CONDITIONAL = "conditional"


def can_fetch_files(dataset: Dataset) -> bool:
    return dataset.is_public and dataset.open_type == UNCONDITIONAL


def snapshot_open_type(snapshot: object) -> object:
    """The open type a version's snapshot recorded (None when it holds none)."""
    fields = snapshot.get("fields") if isinstance(snapshot, Mapping) else None
    return fields.get("open_type") if isinstance(fields, Mapping) else None


def version_files_open(dataset: Dataset, snapshot: object) -> bool:
    """Whether the files (links, stored copies) a version of ``dataset`` recorded may go to
    everyone: only when the dataset's files are public now *and* the version itself was
    recorded as 无条件开放. A file stored while the dataset was conditional is a raw copy and
    stays withheld when the dataset later opens; a missing or unknown open type fails closed."""
    return can_fetch_files(dataset) and snapshot_open_type(snapshot) == UNCONDITIONAL


@dataclass(frozen=True)
class PublicDistribution:
    """What of one distribution the public may see.

    ``stored_file``: the portal serves its own copy (download, preview, derived files);
    ``download_url`` and ``access_url``: the source's links to the file, or None when withheld;
    ``source_page``: a source link that is a page, not the file (see :func:`is_not_a_file`);
    ``cell_values``: reports about the file (validation errors) may quote its contents.
    """

    files_open: bool
    stored_file: bool
    download_url: str | None
    access_url: str | None
    source_page: str | None = None

    @property
    def cell_values(self) -> bool:
        return self.files_open

    @property
    def preview(self) -> bool:
        return self.stored_file


def public_distribution(dataset: Dataset, distribution: Distribution) -> PublicDistribution:
    """The public view of ``distribution`` of ``dataset``: everything for a file of an
    unconditionally open dataset, none of its links or contents otherwise."""
    if not can_fetch_files(dataset):
        return PublicDistribution(False, False, None, None)
    download, access, page = distribution.download_url, distribution.access_url, None
    if access and is_not_a_file(access, dataset):
        access, page = None, access
    if download and is_not_a_file(download, dataset):
        download, page = None, page or download
    return PublicDistribution(True, bool(distribution.stored_file), download, access, page)


def is_not_a_file(url: str, dataset: Dataset) -> bool:
    """Whether a distribution's link is a page rather than the file: a URL with no path beyond
    ``/`` (a site's home page), or the dataset's landing page or its department's homepage."""
    parts = urlsplit(url.strip())
    if parts.path in ("", "/") and not parts.query:
        return True
    department = dataset.department
    pages = (dataset.landing_page, department.homepage if department is not None else None)
    return _same_page(url) in {_same_page(p) for p in pages if p}


def _same_page(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}?{parts.query}"


def cell_values_public(dataset: Dataset) -> bool:
    """Whether reports about the dataset's files may quote cell values and row contents."""
    return can_fetch_files(dataset)


def active_grant(
    session: Session,
    actor: Actor,
    dataset: Dataset,
    distribution: Distribution,
    now: datetime,
    grant_id: str | None = None,
) -> Grant | None:
    """The grant under which ``actor`` may have ``distribution`` of ``dataset`` at ``now``
    (naive UTC), or None. Everything must hold, else None: a published conditional dataset
    and a file of it; an actor who may download conditional data (a session, or an API token
    of scope ``conditional``); a grant of theirs for this dataset, active (not expired,
    revoked or closed), ``now`` within its period, naming this distribution (and, given
    ``grant_id``, that very grant: a page about one application asks of its grant)."""
    if actor.user_id is None or not can(session, actor, "conditional.download"):
        return None
    if dataset.state != PUBLISHED or dataset.open_type != CONDITIONAL:
        return None
    if distribution.dataset_id != dataset.id:
        return None
    query = select(Grant) if grant_id is None else select(Grant).where(Grant.id == grant_id)
    grants = session.scalars(
        query.where(
            Grant.user_id == actor.user_id,
            Grant.dataset_id == dataset.id,
            Grant.state == ACTIVE,
            Grant.starts_at <= now,
            Grant.ends_at > now,
        ).order_by(Grant.ends_at.desc())
    )
    for grant in grants:
        if grant.ended_at is None and distribution.id in (grant.distribution_ids or []):
            return grant
    return None
