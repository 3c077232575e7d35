"""Registering, deciding and reading reuses and competitions.

Every act takes the session (never commits), the :class:`~catalog.permissions.Actor` and an
:class:`~catalog.audit.Origin`, checks :func:`catalog.permissions.can` (``reuse.register``
for a signed-in person, ``reuses.manage`` for an administrator) and writes an audit row.
Refusals are :class:`~catalog.errors.CatalogError` with stable codes (``forbidden``,
``not-found``, ``missing-title``, ``missing-team``, ``bad-kind``, ``bad-url``, ``no-dataset``,
``too-many-datasets``, ``unknown-dataset``, ``bad-version``, ``unknown-version``,
``unknown-competition``, ``missing-competition``, ``unknown-round``, ``unknown-award``,
``not-pending``, ``missing-reason``, ``slug-taken``, ``too-long``, and the image codes of
:mod:`catalog.reuses.images`). Only public datasets may be named: a hidden one is not told
apart from an unknown one.

The version number used must be one the dataset has (``unknown-version``); when none is
given, the dataset's latest version at registration is stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from catalog import uris, versions
from catalog.audit import Origin
from catalog.audit_acts import record_act
from catalog.db import utcnow
from catalog.errors import CatalogError, InvalidValue, NotFound
from catalog.models import Dataset
from catalog.permissions import Actor, can
from catalog.publishing.acts import Forbidden
from catalog.queries import get_public_dataset, public_datasets
from catalog.reuses.images import clean_image
from catalog.reuses.models import (
    APPROVED,
    COMPETITION_ENTRY,
    KINDS,
    PENDING,
    REJECTED,
    WITHDRAWN,
    Competition,
    Reuse,
    ReuseDataset,
)
from catalog.slugs import SLUG_PATTERN, slugify, unique_slug
from catalog.watch import note_changed

MAX_USES = 20
MAX_PENDING = 5  # reuses of one owner waiting for approval
PER_PAGE = 24  # the /reuses listing
BLOCK_LIMIT = 10  # the dataset page's block
MAX_TITLE = 300
MAX_DESCRIPTION = 5000
MAX_REASON = 2000
MAX_VERSION = 1_000_000
SEARCH_LIMIT = 20
RESERVED_SLUGS = frozenset({"new"})  # /reuses/new is the form


@dataclass(frozen=True)
class Use:
    """A dataset named by id or slug, and the version number used (None: not stated)."""

    dataset: str
    version: int | None = None


@dataclass
class Submission:
    kind: str
    title: str
    team: str
    description: str = ""
    url: str | None = None
    uses: Sequence[Use] = field(default_factory=list)
    competition: str | None = None  # a competition's slug (for a competition entry)
    round: str | None = None
    image: bytes | None = None  # as uploaded; re-encoded here


def _text(value: str | None, code: str, limit: int = MAX_TITLE) -> str:
    cleaned = " ".join((value or "").split())
    if not cleaned:
        raise InvalidValue(f"{code}", code=code)
    if len(cleaned) > limit:
        raise InvalidValue("too long", code="too-long")
    return cleaned


def _url(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 1000 or not uris.is_valid_iri(value):
        raise InvalidValue("not an http(s) address", code="bad-url", field="url")
    return value


def resolve_uses(session: Session, uses: Sequence[Use]) -> list[tuple[Dataset, int | None]]:
    """The public datasets named, in order, without repeats; refusals for the others."""
    if not uses:
        raise InvalidValue("no dataset named", code="no-dataset", field="datasets")
    found: dict[str, tuple[Dataset, int | None]] = {}
    for use in uses:
        key = (use.dataset or "").strip()
        dataset = get_public_dataset(session, key) if 0 < len(key) <= 100 else None
        if dataset is None:
            raise InvalidValue(key[:100], code="unknown-dataset", field="datasets")
        if use.version is not None and not 0 < use.version <= MAX_VERSION:
            raise InvalidValue(str(use.version), code="bad-version", field="datasets")
        version = use.version
        if version is not None and not versions.version_exists(session, dataset.id, version):
            raise InvalidValue(str(version), code="unknown-version", field="datasets")
        if version is None:  # not stated: the version the dataset is at when registered
            version = versions.latest_number(session, dataset.id)
        if dataset.id not in found or use.version is not None:
            found[dataset.id] = (dataset, version)
    if len(found) > MAX_USES:
        raise InvalidValue("too many datasets", code="too-many-datasets", field="datasets")
    return list(found.values())


def _competition(session: Session, slug: str | None) -> Competition | None:
    if not slug:
        return None
    found = session.scalar(select(Competition).where(Competition.slug == slug))
    if found is None:
        raise InvalidValue(slug, code="unknown-competition", field="competition")
    return found


def register(
    session: Session,
    actor: Actor,
    origin: Origin,
    submission: Submission,
    now: datetime | None = None,
) -> Reuse:
    """A new pending reuse of the signed-in ``actor``."""
    if not actor.authenticated or not can(session, actor, "reuse.register"):
        raise Forbidden("not allowed: reuse.register")
    pending = session.scalar(
        select(func.count(Reuse.id)).where(Reuse.owner_id == actor.user_id, Reuse.state == PENDING)
    )
    if (pending or 0) >= MAX_PENDING:
        raise InvalidValue("too many reuses wait for approval", code="too-many-pending")
    if submission.kind not in KINDS:
        raise InvalidValue(submission.kind, code="bad-kind", field="kind")
    title = _text(submission.title, "missing-title")
    team = _text(submission.team, "missing-team")
    description = (submission.description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidValue("too long", code="too-long", field="description")
    url = _url(submission.url)
    competition = _competition(session, submission.competition)
    if submission.kind == COMPETITION_ENTRY and competition is None:
        raise InvalidValue("no competition", code="missing-competition", field="competition")
    round_ = (submission.round or "").strip() or None
    if round_ and (competition is None or round_ not in competition.rounds):
        raise InvalidValue(round_, code="unknown-round", field="round")
    uses = resolve_uses(session, submission.uses)
    image = clean_image(submission.image) if submission.image else None
    reuse = Reuse(
        slug=_new_slug(session, title),
        kind=submission.kind,
        title=title,
        team=team,
        description=description,
        url=url,
        image=image.data if image else None,
        image_type=image.media_type if image else None,
        owner_id=actor.user_id,
        state=PENDING,
        competition=competition,
        round=round_,
        submitted_at=now or utcnow(),
    )
    reuse.uses = [
        ReuseDataset(dataset_id=d.id, version=v, position=i) for i, (d, v) in enumerate(uses)
    ]
    session.add(reuse)
    session.flush()
    _audit(session, actor, origin, "reuse.register", reuse, "applicant", now)
    return reuse


def _new_slug(session: Session, title: str) -> str:
    def taken(slug: str) -> bool:
        if slug in RESERVED_SLUGS:
            return True
        return session.scalar(select(Reuse.id).where(Reuse.slug == slug)) is not None

    return unique_slug(slugify(title, 60), taken)


def _audit(
    session: Session,
    actor: Actor,
    origin: Origin,
    action: str,
    reuse: Reuse,
    role: str,
    now: datetime | None,
    reason: str | None = None,
) -> None:
    change = {"state": reuse.state} | ({"reason": reason} if reason else {})
    record_act(session, actor, origin, action, role=role, object_type="reuse",
               object_id=reuse.id, change=change, summary=reuse.title, now=now)  # fmt: skip


def _get(session: Session, reuse_id: int) -> Reuse:
    reuse = session.get(Reuse, reuse_id)
    if reuse is None:
        raise NotFound(f"no reuse {reuse_id}")
    return reuse


def decide(
    session: Session,
    actor: Actor,
    origin: Origin,
    reuse_id: int,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Reuse:
    """An administrator approves a pending reuse (it becomes public) or rejects it with a
    reason. Approval logs the datasets it uses as changed (their DCAT gains the link)."""
    if not can(session, actor, "reuses.manage"):
        raise Forbidden("not allowed: reuses.manage")
    reuse = _get(session, reuse_id)
    if reuse.state != PENDING:
        raise CatalogError(reuse.state, code="not-pending")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise InvalidValue("a rejection needs a reason", code="missing-reason", field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidValue("too long", code="too-long", field="reason")
    reuse.state = APPROVED if approve else REJECTED
    reuse.reason = reason or None
    reuse.decided_at = now or utcnow()
    reuse.decided_by = actor.user_id
    if approve:
        note_changed(session, [use.dataset_id for use in reuse.uses])
    action = "reuse.approve" if approve else "reuse.reject"
    _audit(session, actor, origin, action, reuse, "admin", now, reason or None)
    return reuse


def withdraw(
    session: Session,
    actor: Actor,
    origin: Origin,
    reuse_id: int,
    reason: str = "",
    now: datetime | None = None,
) -> Reuse:
    """Its owner or an administrator withdraws a pending or approved reuse."""
    reuse = _get(session, reuse_id)
    admin = can(session, actor, "reuses.manage")
    if not admin and (not actor.authenticated or reuse.owner_id != actor.user_id):
        raise NotFound(f"no reuse {reuse_id}")  # another person's: not told apart from none
    if reuse.state not in (PENDING, APPROVED):
        raise CatalogError(reuse.state, code="not-withdrawable")
    if reuse.state == APPROVED:
        note_changed(session, [use.dataset_id for use in reuse.uses])
    reuse.state = WITHDRAWN
    reuse.reason = (reason or "").strip()[:MAX_REASON] or None
    reuse.decided_at = now or utcnow()
    _audit(session, actor, origin, "reuse.withdraw", reuse, "admin" if admin else "applicant",
           now, reuse.reason)  # fmt: skip
    return reuse


def set_award(
    session: Session,
    actor: Actor,
    origin: Origin,
    reuse_id: int,
    award: str | None,
    round_: str | None = None,
) -> Reuse:
    """An administrator records a competition entry's round and award."""
    if not can(session, actor, "reuses.manage"):
        raise Forbidden("not allowed: reuses.manage")
    reuse = _get(session, reuse_id)
    competition = reuse.competition
    if competition is None:
        raise InvalidValue("not a competition entry", code="missing-competition")
    if award and award not in competition.awards:
        raise InvalidValue(award, code="unknown-award", field="award")
    if round_ and round_ not in competition.rounds:
        raise InvalidValue(round_, code="unknown-round", field="round")
    reuse.award = award or None
    reuse.round = round_ or reuse.round
    _audit(session, actor, origin, "reuse.award", reuse, "admin", None, reuse.award)
    return reuse


def add_competition(
    session: Session,
    actor: Actor,
    origin: Origin,
    *,
    title: str,
    slug: str | None = None,
    title_en: str | None = None,
    year: int | None = None,
    organiser: str | None = None,
    description: str = "",
    url: str | None = None,
    rounds: Sequence[str] = (),
    awards: Sequence[str] = (),
) -> Competition:
    """An administrator adds a competition with its rounds and awards (in order)."""
    if not can(session, actor, "reuses.manage"):
        raise Forbidden("not allowed: reuses.manage")
    title = _text(title, "missing-title")
    slug = (slug or "").strip() or slugify(title, 60)
    if not SLUG_PATTERN.match(slug):
        raise InvalidValue(slug, code="bad-slug", field="slug")
    if session.scalar(select(Competition.id).where(Competition.slug == slug)) is not None:
        raise InvalidValue(slug, code="slug-taken", field="slug")
    competition = Competition(
        slug=slug,
        title=title,
        title_en=(title_en or "").strip() or None,
        year=year,
        organiser=(organiser or "").strip() or None,
        description=(description or "").strip(),
        url=_url(url),
        rounds=_names(rounds),
        awards=_names(awards),
    )
    session.add(competition)
    session.flush()
    record_act(session, actor, origin, "competition.add", role="admin",
               object_type="competition", object_id=competition.id, summary=title)  # fmt: skip
    return competition


def _names(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(v.strip()[:100] for v in values if v and v.strip()))


# -- reading -------------------------------------------------------------------------------------


def _with_uses() -> tuple:
    return (
        selectinload(Reuse.uses)
        .selectinload(ReuseDataset.dataset)
        .selectinload(Dataset.department),
        selectinload(Reuse.competition),
    )


def _approved(
    kind: str | None = None, competition_id: int | None = None, dataset_id: str | None = None
) -> Select[Reuse]:
    stmt = select(Reuse).where(Reuse.state == APPROVED)
    if kind:
        stmt = stmt.where(Reuse.kind == kind)
    if competition_id is not None:
        stmt = stmt.where(Reuse.competition_id == competition_id)
    if dataset_id is not None:
        built_on = select(ReuseDataset.reuse_id).where(ReuseDataset.dataset_id == dataset_id)
        stmt = stmt.where(Reuse.id.in_(built_on))
    return stmt


def public_reuses(
    session: Session, kind: str | None = None, competition_id: int | None = None
) -> list[Reuse]:
    """The approved reuses, newest first (of one kind, or of one competition)."""
    stmt = _approved(kind, competition_id).options(*_with_uses())
    return list(session.scalars(stmt.order_by(Reuse.decided_at.desc(), Reuse.id.desc())))


@dataclass(frozen=True)
class ReusePage:
    items: list[Reuse]
    total: int
    page: int
    pages: int


def public_reuses_page(
    session: Session,
    kind: str | None = None,
    competition_id: int | None = None,
    dataset_id: str | None = None,
    page: int = 1,
    per_page: int | None = None,
) -> ReusePage:
    """One page of the approved reuses, newest first (of one kind, one competition, or built
    on one dataset); :data:`PER_PAGE` a page unless ``per_page`` says."""
    per_page = per_page or PER_PAGE
    stmt = _approved(kind, competition_id, dataset_id)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    ordered = stmt.options(*_with_uses()).order_by(Reuse.decided_at.desc(), Reuse.id.desc())
    items = list(session.scalars(ordered.offset((page - 1) * per_page).limit(per_page)))
    return ReusePage(items, total, page, pages)


def visible_reuse(session: Session, actor: Actor, slug: str) -> Reuse | None:
    """A reuse as ``actor`` may see it: approved for anyone, any state for its owner and
    administrators; None otherwise."""
    reuse = session.scalar(select(Reuse).where(Reuse.slug == slug).options(*_with_uses()))
    if reuse is None or reuse.state == APPROVED:
        return reuse
    if actor.authenticated and reuse.owner_id == actor.user_id:
        return reuse
    return reuse if can(session, actor, "reuses.manage") else None


def public_uses(reuse: Reuse) -> list[ReuseDataset]:
    """The uses whose dataset is public now (a dataset withdrawn since is not shown)."""
    return [use for use in reuse.uses if use.dataset is not None and use.dataset.is_public]


def own_reuses(session: Session, user_id: int) -> list[Reuse]:
    stmt = select(Reuse).where(Reuse.owner_id == user_id).order_by(Reuse.submitted_at.desc())
    return list(session.scalars(stmt.options(*_with_uses())))


def pending_reuses(session: Session) -> list[Reuse]:
    stmt = select(Reuse).where(Reuse.state == PENDING).order_by(Reuse.submitted_at)
    return list(session.scalars(stmt.options(*_with_uses())))


def reuses_of_dataset(session: Session, dataset_id: str, limit: int = BLOCK_LIMIT) -> ReusePage:
    """The newest ``limit`` approved reuses built on a dataset, and how many there are."""
    return public_reuses_page(session, dataset_id=dataset_id, per_page=limit)


def competitions(session: Session) -> list[Competition]:
    stmt = select(Competition).order_by(Competition.year.desc().nulls_last(), Competition.id)
    return list(session.scalars(stmt))


def get_competition(session: Session, slug: str) -> Competition | None:
    return session.scalar(select(Competition).where(Competition.slug == slug))


def most_used_datasets(entries: Sequence[Reuse], limit: int = 10) -> list[tuple[Dataset, int]]:
    """The public datasets the entries use most, with how many entries use each."""
    counts: Counter[str] = Counter()
    datasets: dict[str, Dataset] = {}
    for entry in entries:
        for use in public_uses(entry):
            counts[use.dataset_id] += 1
            datasets[use.dataset_id] = use.dataset
    ranked = sorted(counts.items(), key=lambda item: (-item[1], datasets[item[0]].title))
    return [(datasets[i], n) for i, n in ranked[:limit]]


def search_datasets(session: Session, text: str, limit: int = SEARCH_LIMIT) -> list[Dataset]:
    """Public datasets whose title contains ``text`` (or whose id or slug is it): the
    form's picker."""
    text = " ".join((text or "").split())[:100]
    if not text:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (
        public_datasets()
        .where(
            Dataset.title.like(pattern, escape="\\") | (Dataset.slug == text) | (Dataset.id == text)
        )
        .order_by(Dataset.title)
        .limit(limit)
        .options(selectinload(Dataset.department))
    )
    return list(session.scalars(stmt))
