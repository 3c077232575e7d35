"""The base harvester: runs a job from start to finish; subclasses only list and map.

A job goes through four steps (udata's ``BaseBackend.harvest`` in shape):

1. **start**: a job row is committed, naming this run as its owner; a job of the same
   source still running within its time limit, whose owner is alive, makes this one refuse to
   start; one past its limit, or whose owner died (its heartbeat older than the lease, or its
   process gone from this host), is marked failed first. While the job runs, a heartbeat
   thread renews its lease every third of the lease, and every batch renews it in its own
   transaction: a job taken for dead stops before it writes anything more;
2. **fetch**: the subclass lists the source's records (:meth:`BaseHarvester.list_records`)
   into a :class:`~harvesters.spool.Spool`; any fault of the source (a timeout, a 500, a
   redirect loop, malformed JSON or RDF, a body over the size limit) fails the job here,
   before the catalog is touched;
3. **write**: each record is mapped (:meth:`BaseHarvester.map_record`) into a draft, hashed
   and written through :class:`catalog.harvest.sync.CatalogSync`, a batch per transaction.
   A record that cannot be mapped or written is a failed record with typed errors; it never
   stops the job: text no column can hold rejects the record (``invalid-text``), and a batch
   the database refuses is written again with a savepoint per record, the refused record
   rejected (``database-rejected``). A job that dies here leaves whole batches behind: every
   dataset with its distributions and provenance, or nothing of it;
4. **finish**: when every record was written, those the source no longer lists are marked
   missing and archived after the grace period, and the job is marked succeeded. Then, whether
   the job succeeded or failed, the per-record log of the source's older jobs is pruned
   (:func:`catalog.harvest.jobs.prune_job_records`, ``keep_jobs``).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, ClassVar

from sqlalchemy import or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import utcnow
from catalog.drafts import DatasetDraft
from catalog.harvest.conflicts import conflicted_records
from catalog.harvest.jobs import (
    DEFAULT_LEASE,
    fail_job,
    finish_job,
    last_success_started,
    prune_job_records,
    record_outcomes,
    renew_lease,
    start_job,
)
from catalog.harvest.models import (
    OUTCOMES,
    REJECTED,
    RUNNING,
    HarvestJob,
    HarvestRecord,
    HarvestSource,
)
from catalog.harvest.prepare import InvalidText, RecordIssue, clean_text, fingerprints
from catalog.harvest.sync import CatalogSync, Harvested
from catalog.input_limits import Deadline, InputLimits
from catalog.leases import Heartbeat, LeaseLost, new_owner
from harvesters.fetch import Fetcher, FetchError, FetchLimits
from harvesters.spool import RemoteRecord, Spool, SpoolFull

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int | None], None]  # (stage, done, total if known)
HASH_VERSION = "1"  # change it to make every record be written again after a mapping change


@dataclass(frozen=True)
class HarvestSettings:
    limits: FetchLimits = field(default_factory=FetchLimits)
    job_limit: timedelta = timedelta(hours=1)
    grace: timedelta = timedelta(days=7)
    batch_size: int = 1000  # records per transaction (and per search-index commit)
    max_records: int = 500_000
    allow_local: bool = False  # local paths (the command line); the web pages only take URLs
    full: bool = False  # ignore incremental harvesting for this run
    keep_jobs: int = 10  # jobs of a source whose per-record log is kept (0: all)
    input_limits: InputLimits = field(default_factory=InputLimits)  # what a parse may expand
    lease: timedelta = DEFAULT_LEASE  # a job whose heartbeat is older is taken for dead


@dataclass(frozen=True)
class SourceInfo:
    """What a harvester knows of its source, detached from any session."""

    id: int
    name: str
    kind: str
    url: str
    config: dict[str, Any]
    department_id: int | None

    @classmethod
    def of(cls, source: HarvestSource) -> SourceInfo:
        return cls(
            source.id, source.name, source.kind, source.url, dict(source.config),
            source.department_id,
        )  # fmt: skip


class SourceError(Exception):
    """The source as a whole cannot be harvested (typed, like FetchError)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class RecordError(Exception):
    """One record cannot be harvested; the job goes on."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.issue = RecordIssue(code, message, field)


class JobTimeLimit(Exception):
    pass


@dataclass(frozen=True)
class HarvestReport:
    job_id: int | None
    status: str
    counts: dict[str, int]
    error_code: str | None = None
    error_message: str | None = None


class BaseHarvester(ABC):
    """Subclasses set ``kind`` and implement :meth:`list_records` and :meth:`map_record`."""

    kind: ClassVar[str]
    incremental: ClassVar[bool] = False  # whether list_records honours self.since

    def __init__(self, source: SourceInfo, fetcher: Fetcher):
        self.source = source
        self.fetcher = fetcher
        self.since: datetime | None = None  # set for incremental runs
        # In an incremental run: the records that hold a dataset and are neither missing nor
        # archived, which a harvester may leave unread when the source says they are unchanged.
        self.current: set[str] = set()
        self.notes: list[str] = []  # shown on the job page, e.g. "incremental-unsupported"
        self._deadline = datetime.max
        self._sync: CatalogSync | None = None
        self._settings = HarvestSettings()
        self.owner = new_owner()  # this run's name in the job's lease
        self._heartbeat: Heartbeat | None = None

    # -- what a source kind implements ------------------------------------------------------

    @abstractmethod
    def list_records(self) -> Iterator[RemoteRecord]:
        """Every record of the source (or, when ``since`` is set, those changed since)."""

    @abstractmethod
    def map_record(self, record: RemoteRecord, warnings: list[RecordIssue]) -> DatasetDraft:
        """The draft of one record; :class:`RecordError` when it cannot be harvested."""

    def complete_ids(self) -> set[str] | None:
        """After an incremental listing: the ids of every record the source has now."""
        return None

    def fetch_record(self, remote_id: str) -> RemoteRecord | None:
        """One record by id (to look again at records that had disappeared)."""
        return None

    # -- the job ----------------------------------------------------------------------------

    def run(
        self,
        session_factory: sessionmaker,
        settings: HarvestSettings,
        progress: Progress | None = None,
        on_start: Callable[[int], None] | None = None,
    ) -> HarvestReport:
        """Run one job; ``on_start`` hears the job's id once its row is committed."""
        progress = progress or _silent
        self._settings = settings
        with session_factory() as session:
            job = self._start(session, settings)
            heartbeat = Heartbeat(
                partial(_beat, session_factory, job.id, self.owner),
                settings.lease.total_seconds() / 3,
                name=f"harvest-{job.id}-heartbeat",
            )
            heartbeat.start()
            self._heartbeat = heartbeat
            try:
                if on_start is not None:
                    on_start(job.id)
                self._run_job(session, job, settings, progress)
            finally:
                heartbeat.stop()
            self._prune(session, settings.keep_jobs)
            return _report(job)

    def _run_job(
        self, session: Session, job: HarvestJob, settings: HarvestSettings, progress: Progress
    ) -> None:
        """Fetch, write and finish; a failure marks the job failed with its reason."""
        try:
            with Spool(settings.max_records) as spool:
                present = self._fetch(session, spool, progress)
                self._write(session, job, spool, settings, progress)
                self._finish(session, job, present, settings)
        except LeaseLost:
            session.rollback()
            log.warning("job %s of %s was taken for dead; it stopped", job.id, self.source.name)
        except (FetchError, SourceError) as error:
            self._fail(session, job, error.code, error.message)
        except SpoolFull as error:
            self._fail(session, job, "too-many-records", str(error))
        except JobTimeLimit:
            self._fail(session, job, "time-limit-exceeded", f"stopped after {settings.job_limit}")
        except Exception as error:
            log.exception("harvest job %s of %s failed", job.id, self.source.name)
            self._fail(session, job, "internal-error", f"{type(error).__name__}: {error}")

    def _start(self, session: Session, settings: HarvestSettings) -> HarvestJob:
        with _committed(session):
            source = session.get(HarvestSource, self.source.id)
            assert source is not None
            job = start_job(
                session, source, utcnow(), settings.job_limit, settings.lease, self.owner
            )
            if self.incremental and not settings.full:
                self.since = last_success_started(session, source.id)
                job.incremental_since = self.since
        self._deadline = job.started_at + settings.job_limit
        return job

    def _fetch(self, session: Session, spool: Spool, progress: Progress) -> set[str]:
        """List the source into the spool; the ids the source has now."""
        revisit: set[str] = set()  # read again if the source still has them
        if self.since is not None:
            self.current, revisit = self._known_records(session)
        for record in self.list_records():
            spool.add(record)
            if spool.count % 100 == 0:
                progress("fetch", spool.count, None)
                self._check_time()
        present = set(spool.ids)
        complete = self.complete_ids() if self.since is not None else None
        if complete is not None:
            present |= complete
            for remote_id in sorted((revisit & complete) - spool.ids):
                again = self.fetch_record(remote_id)
                if again is not None:
                    spool.add(again)
        progress("fetch", spool.count, spool.count)
        return present

    def _known_records(self, session: Session) -> tuple[set[str], set[str]]:
        """The source's records: those current (holding a dataset, listed last time), and
        those to read again: absent (missing or archived) or in conflict with another's."""
        current: set[str] = set()
        stmt = select(
            HarvestRecord.remote_id,
            HarvestRecord.dataset_id.is_not(None),
            or_(HarvestRecord.missing_since.is_not(None), HarvestRecord.archived_at.is_not(None)),
        ).where(HarvestRecord.source_id == self.source.id)
        try:
            revisit = conflicted_records(session, self.source.id)
            for remote_id, holds_dataset, gone in session.execute(stmt):
                if gone:
                    revisit.add(remote_id)
                elif holds_dataset:
                    current.add(remote_id)
        finally:
            session.rollback()  # end the read-only transaction
        return current, revisit

    def _write(
        self,
        session: Session,
        job: HarvestJob,
        spool: Spool,
        settings: HarvestSettings,
        progress: Progress,
    ) -> None:
        salt = f"{HASH_VERSION}|{self.source.department_id}|"
        with _committed(session):
            source = session.get(HarvestSource, self.source.id)
            assert source is not None
            sync = CatalogSync(session, source, utcnow())
        done = 0
        progress("write", 0, spool.count)
        for batch in spool.batches(settings.batch_size):
            self._check_time()
            items = [self._harvested(record, salt) for record in batch]
            self._write_batch(session, sync, job, items)
            done += len(batch)
            progress("write", done, spool.count)
        job.notes = list(dict.fromkeys([*job.notes, *map(clean_text, self.notes)]))
        self._sync = sync

    def _harvested(self, record: RemoteRecord, salt: str) -> Harvested:
        item = Harvested(record.remote_id, title=record.title)
        if clean_text(record.remote_id) != record.remote_id:
            item.errors.append(
                RecordIssue("invalid-text", "the record's id holds characters no text may", "id")
            )
            return item
        try:
            item.draft = self.map_record(record, item.warnings)
        except RecordError as error:
            item.errors.append(error.issue)
            return item
        except Exception as error:  # a harvester bug must not stop the job
            log.exception("mapping %s of %s failed", record.remote_id, self.source.name)
            item.errors.append(RecordIssue("mapping-failed", f"{type(error).__name__}: {error}"))
            return item
        if not (item.draft.title or "").strip():
            item.errors.append(RecordIssue("missing-title", "the record has no title", "title"))
            return item
        if not (item.draft.open_type or "").strip():  # the source's stated default, if any
            item.draft.open_type = self.source.config.get("open_type") or None
        try:
            item.content_hash, item.body_hash = fingerprints(item.draft, salt)
        except InvalidText as error:  # checked with the canonical JSON the hashes read
            item.errors.append(error.issue)
            return item
        item.title = item.draft.title
        return item

    def _write_batch(
        self, session: Session, sync: CatalogSync, job: HarvestJob, items: list[Harvested]
    ) -> None:
        """One transaction for the batch. If it fails, the batch is written again in one
        transaction with a savepoint per record: a record the database refuses is rejected
        (``database-rejected``) and the others are written."""
        snapshot = sync.snapshot()
        try:
            with _committed(session):
                record_outcomes(session, job, sync.write(session, items))
                self._hold_lease(session, job)
            return
        except LeaseLost:
            raise
        except Exception:
            sync.restore(snapshot)
            log.warning("a batch of %s failed; writing its records one by one", self.source.name)
        with _committed(session):
            for item in items:
                record_outcomes(session, job, self._write_one(session, sync, item))
            self._hold_lease(session, job)

    def _hold_lease(self, session: Session, job: HarvestJob) -> None:
        """Renew the lease in the transaction that writes: a job taken for dead (marked
        failed by another start) commits nothing more."""
        if not renew_lease(session, job.id, self.owner, utcnow()):
            raise LeaseLost()

    def _write_one(
        self, session: Session, sync: CatalogSync, item: Harvested
    ) -> list[dict[str, Any]]:
        """The log rows of one record written in a savepoint; rejected if it fails."""
        snapshot = sync.snapshot()
        try:
            with session.begin_nested():
                return sync.write(session, [item])
        except Exception as error:
            sync.restore(snapshot)
            sync.seen.setdefault(item.remote_id, None)
            if isinstance(error, DBAPIError):
                detail = str(error.orig).strip() or type(error.orig).__name__
                item.errors.append(RecordIssue("database-rejected", detail[:500]))
            else:
                log.exception("writing %s of %s failed", item.remote_id, self.source.name)
                message = f"{type(error).__name__}: {error}"[:500]
                item.errors.append(RecordIssue("write-failed", message))
            return [item.row(REJECTED)]

    def _finish(
        self, session: Session, job: HarvestJob, present: set[str], settings: HarvestSettings
    ) -> None:
        assert self._sync is not None
        with _committed(session):
            rows = self._sync.archive_missing(session, present, settings.grace)
            record_outcomes(session, job, rows)
            self._hold_lease(session, job)
            finish_job(session, job, utcnow())

    def _fail(self, session: Session, job: HarvestJob, code: str, message: str) -> None:
        session.rollback()
        if job.status != RUNNING or job.owner != self.owner:
            return  # taken for dead meanwhile: the job says so already
        job.notes = list(dict.fromkeys([*(job.notes or []), *self.notes]))
        fail_job(session, job, code, message, utcnow())
        session.commit()

    def _prune(self, session: Session, keep: int) -> None:
        """Prune the older jobs' record rows; a failure here never changes the job's result."""
        try:
            prune_job_records(session, self.source.id, keep)
            session.commit()
        except Exception:
            session.rollback()
            log.exception("pruning the job log of %s failed", self.source.name)

    def input_limits(self, header_rows: int = 0) -> InputLimits:
        """What parsing a source file may expand to: the settings' limits, with no more rows
        than a job reads records (and ``header_rows`` above them)."""
        limits = self._settings.input_limits
        rows = min(limits.max_rows, self._settings.max_records + header_rows)
        return replace(limits, max_rows=rows)

    def parse_deadline(self) -> Deadline:
        """The job's time limit, for a parse that checks it as it reads."""
        if self._deadline == datetime.max:
            return Deadline()
        return Deadline(max((self._deadline - utcnow()).total_seconds(), 0.0))

    def _check_time(self) -> None:
        if self._heartbeat is not None and self._heartbeat.lost.is_set():
            raise LeaseLost()
        if utcnow() > self._deadline:
            raise JobTimeLimit()


@contextmanager
def _committed(session: Session) -> Iterator[None]:
    """Commit what the block did; if anything fails, roll it back and raise."""
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _beat(session_factory: sessionmaker, job_id: int, owner: str) -> bool:
    """One heartbeat of a job, in a session of its own (the heartbeat thread's)."""
    with session_factory() as session, session.begin():
        return renew_lease(session, job_id, owner, utcnow())


def _report(job: HarvestJob) -> HarvestReport:
    counts = {name: getattr(job, name) for name in OUTCOMES}  # the count columns
    return HarvestReport(job.id, job.status, counts, job.error_code, job.error_message)


def _silent(_stage: str, _done: int, _total: int | None) -> None:
    pass
