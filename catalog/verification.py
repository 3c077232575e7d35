"""The verification interface (核验接口): yes/no questions of a granted table.

A grant of a dataset whose conditions state the ``verification`` channel lets its holder ask
"does a record exist with these field values?" of a granted file, answered ``match`` or
``no match`` and never with any field value.

The rules of :func:`verify`:

- the grant: :func:`catalog.access.active_grant` (the one rule) must name the file now, and
  the dataset's conditions must state the ``verification`` channel; else refused;
- the fields: a question names **exactly** the dataset's ``verify_fields``, every one of them
  (each also among the grant's fields) and no other. A stated subset is refused: asking one
  field alone (a holder's name without the certificate number) would turn a check of a
  document someone shows into a search of who is in the register;
- the values: non-empty texts of at most :data:`MAX_VALUE` characters, compared with the
  cells after normalisation (:func:`normalise`: Unicode NFKC, which folds full-width digits
  and letters, then leading and trailing spaces stripped); nothing else is folded;
- the file: the stored original, read row by row (:func:`catalog.applications.rows.
  table_rows`: CSV or XLSX, size-limited) once, into an index of the process (:class:`Index`:
  a sorted array of 64-bit keyed hashes, BLAKE2b under a key drawn when the process starts,
  of each row's normalised values of the asked fields; 8 bytes a row, no value kept). A
  question is then one hash and a binary search. The index is keyed by the stored file (its
  path, size and time) and the fields, so a replaced file is read anew; at most
  :data:`MAX_INDEXES` are kept, the least recently used dropped first. Two different rows
  share a hash with a probability of about n/2^64 a question (5e-14 for a million rows);
  that is the only way an answer can be wrong;
- the log: every answered question is an audit row ``verification.ask`` on the grant, naming
  the asked field NAMES and the answer in its summary (``answer=match; fields=证书编号,权利人``)
  but never a value, so the question leaves no value in the portal. A refused question (not
  granted, a field not allowed, a file not readable) raises before anything is logged.

:func:`statistics` counts a grant's questions and matches, per Beijing day, from those rows;
its holder, a reviewer of its department, an administrator or an auditor may see them
(:func:`catalog.applications.acts.may_see`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import unicodedata
from array import array
from bisect import bisect_left
from collections import Counter, OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import conditions
from catalog.accounts.models import APPLICANT
from catalog.applications.acts import may_see
from catalog.applications.delivery import channel_grant
from catalog.applications.models import Grant
from catalog.applications.rows import readable, table_rows
from catalog.audit import AuditEntry, Origin
from catalog.audit_acts import record_act
from catalog.beijing import beijing
from catalog.cells import cell_text
from catalog.errors import InvalidValue, NotFound
from catalog.models import Dataset, Distribution
from catalog.permissions import Actor
from catalog.publishing.acts import CLI
from catalog.storage import FileStore

ACTION = "verification.ask"
MATCH, NO_MATCH = "match", "no match"
MAX_VALUE = 200
MAX_INDEXES = 8
_HASH_KEY = secrets.token_bytes(32)  # this process's: the indexes are never stored


@dataclass(frozen=True)
class Answer:
    matched: bool

    @property
    def answer(self) -> str:
        return MATCH if self.matched else NO_MATCH


def normalise(value: Any) -> str:
    """A value as compared: NFKC, then stripped."""
    return unicodedata.normalize("NFKC", cell_text(value)).strip()


def verification_grant(
    session: Session, actor: Actor, dataset: Dataset, distribution: Distribution, now: datetime
) -> tuple[Grant, conditions.Conditions]:
    """The active grant under which ``actor`` asks of ``distribution``, and the conditions;
    NotGranted without one, InvalidValue ``wrong-channel`` when the channel is another."""
    grant, stated = channel_grant(
        session, actor, dataset, distribution, now,
        lambda channel: channel == conditions.VERIFICATION,
        "this dataset opens no verification interface",
    )  # fmt: skip
    if stated is None or not stated.verify_fields:
        raise InvalidValue("the dataset states no field to verify", code="no-verify-fields")
    return grant, stated


def question_values(
    question: Mapping[str, Any], allowed: tuple[str, ...], granted: list[str]
) -> dict[str, str]:
    """The question's values, normalised, keyed by field; InvalidValue when it names another
    field than the allowed ones, misses one, or gives an empty or overlong value."""
    if not isinstance(question, Mapping) or not question:
        raise InvalidValue("a question names field values", code="empty-question")
    names = [str(name) for name in question]
    refused = [n for n in names if n not in allowed or (granted and n not in granted)]
    if refused:
        raise InvalidValue(f"fields that may not be asked: {refused!r}",
                           code="field-not-verifiable")  # fmt: skip
    missing = [name for name in allowed if name not in names]
    if missing:
        raise InvalidValue(f"a question names every field of {list(allowed)!r}",
                           code="missing-verify-field")  # fmt: skip
    values = {}
    for name in allowed:
        raw = question[name]
        value = normalise(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
        if not value or len(value) > MAX_VALUE:
            raise InvalidValue(f"each value is a text of 1 to {MAX_VALUE} characters",
                               code="invalid-verify-value")  # fmt: skip
        values[name] = value
    return values


def verify(
    session: Session,
    actor: Actor,
    dataset: Dataset,
    distribution: Distribution,
    question: Mapping[str, Any],
    now: datetime,
    store: FileStore,
    origin: Origin = CLI,
) -> Answer:
    """Whether a row of ``distribution`` holds every value of ``question``; logged."""
    grant, stated = verification_grant(session, actor, dataset, distribution, now)
    values = question_values(question, stated.verify_fields, list(grant.fields))
    kind = readable(distribution)
    assert distribution.stored_file is not None
    index = INDEXES.get(store, distribution.stored_file, kind, tuple(values))
    matched = index.holds(list(values.values()))
    answer = Answer(matched)
    fields = ",".join(values)
    record_act(session, actor, origin, ACTION, role=APPLICANT, object_type="grant",
               object_id=grant.id, change={"distribution": distribution.id,
                                           "fields": list(values), "answer": answer.answer},
               summary=f"answer={answer.answer}; fields={fields}", now=now)  # fmt: skip
    return answer


def _digest(values: Sequence[str]) -> int:
    text = json.dumps(list(values), ensure_ascii=False)  # unambiguous, whatever the values
    digest = hashlib.blake2b(text.encode(), digest_size=8, key=_HASH_KEY).digest()
    return int.from_bytes(digest, "big")


class Index:
    """The keyed hashes of a table's rows over some columns, sorted."""

    def __init__(self, hashes: array[int]):
        self._hashes = hashes

    def __len__(self) -> int:
        return len(self._hashes)

    def holds(self, values: Sequence[str]) -> bool:
        """Whether a row holds these (normalised) values, in the index's column order."""
        wanted = _digest(values)
        at = bisect_left(self._hashes, wanted)
        return at < len(self._hashes) and self._hashes[at] == wanted

    @classmethod
    def build(cls, rows: Iterator[list[Any]], fields: tuple[str, ...]) -> Index:
        """Read ``rows`` (header first) once; InvalidValue ``not-verifiable`` when the header
        lacks a field."""
        header = [normalise(cell) for cell in next(rows, None) or []]
        if any(name not in header for name in fields):
            raise InvalidValue("the file has no column of a field asked", code="not-verifiable")
        columns = [header.index(name) for name in fields]
        width = max(columns) + 1
        found = [_digest([normalise(row[i]) for i in columns]) for row in rows if len(row) >= width]
        found.sort()
        return cls(array("Q", found))


class Indexes:
    """The indexes of this process, by stored file, kind and fields (thread-safe)."""

    def __init__(self, most: int = MAX_INDEXES):
        self.most = most
        self._lock = threading.Lock()
        self._building = threading.Lock()  # one build at a time: each reads a whole file
        self._found: OrderedDict[tuple[Any, ...], Index] = OrderedDict()

    def __len__(self) -> int:
        return len(self._found)

    def clear(self) -> None:
        with self._lock:
            self._found.clear()

    def get(self, store: FileStore, file_key: str, kind: str, fields: tuple[str, ...]) -> Index:
        path = store.path(file_key)
        stat = path.stat()  # a file changed in place (never by the portal) is read anew
        key = (str(path), stat.st_size, stat.st_mtime_ns, kind, fields)
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
                return found
        with self._building:
            with self._lock:
                found = self._found.get(key)
            if found is None:
                rows = table_rows(path, kind)
                try:
                    found = Index.build(rows, fields)
                finally:
                    rows.close()
            with self._lock:
                self._found[key] = found
                self._found.move_to_end(key)
                while len(self._found) > self.most:
                    self._found.popitem(last=False)
            return found


INDEXES = Indexes()


@dataclass(frozen=True)
class DayCount:
    day: date  # in Beijing time
    questions: int
    matches: int


@dataclass(frozen=True)
class Statistics:
    questions: int
    matches: int
    days: tuple[DayCount, ...]  # newest first


def statistics(session: Session, actor: Actor, grant: Grant) -> Statistics:
    """The grant's verification questions and matches, in all and per day; NotFound for an
    actor who may not see the grant's application."""
    if not may_see(session, actor, grant.application):
        raise NotFound("no such grant")
    rows = session.execute(
        select(AuditEntry.at, AuditEntry.summary).where(
            AuditEntry.action == ACTION,
            AuditEntry.object_type == "grant",
            AuditEntry.object_id == grant.id,
        )
    )
    questions: Counter[date] = Counter()
    matches: Counter[date] = Counter()
    for at, summary in rows:
        day = beijing(at).date()
        questions[day] += 1
        if (summary or "").startswith(f"answer={MATCH};"):
            matches[day] += 1
    days = tuple(DayCount(d, questions[d], matches[d]) for d in sorted(questions, reverse=True))
    return Statistics(sum(questions.values()), sum(matches.values()), days)


def shown_statistics(
    session: Session, actor: Actor, grant: Grant | None, dataset: Dataset
) -> Statistics | None:
    """The statistics an application page shows: None without a grant or when the dataset
    opens no verification interface."""
    stated = conditions.of(dataset.conditions)
    if grant is None or stated is None or stated.delivery_channel != conditions.VERIFICATION:
        return None
    return statistics(session, actor, grant)
