"""Row by row access to a granted file, for the channels answered call by call.

:func:`table_rows` reads the stored original (CSV in the encoding its head shows, or the first
sheet of an XLSX checked by :mod:`catalog.input_limits` first) one row at a time, header
first, refusing files over :data:`MAX_TABLE_BYTES`; the original is only read. The
verification interface (:mod:`catalog.verification`) and the paged rows of the ``api``
channel (:func:`page_rows`) both read through it.

:func:`page_rows` is the ``api`` channel (接口调用): one page of the masked rows under an
active grant (:func:`catalog.access.active_grant`) of a dataset whose conditions state that
channel, masked as a download is (:func:`catalog.applications.delivery.grant_masking`: only
the grant's fields, each by its mask), logged as a delivery of channel ``api`` (a ``delivery``
row and an audit row ``grant.deliver``) before it is returned.
"""

from __future__ import annotations

import csv
import secrets
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from catalog import conditions
from catalog.accounts.models import APPLICANT
from catalog.applications.delivery import channel_grant, grant_masking
from catalog.applications.models import API, Delivery, Grant
from catalog.audit import Origin
from catalog.audit_acts import record_act
from catalog.cells import cell_text
from catalog.errors import InvalidValue
from catalog.input_limits import InputLimitError, InputLimits, check_workbook
from catalog.masking import streams
from catalog.masking.rules import plan_columns
from catalog.models import Dataset, Distribution
from catalog.permissions import Actor
from catalog.publishing.acts import CLI
from catalog.storage import FileStore

MAX_TABLE_BYTES = 256 * 1024 * 1024  # a file read row by row per call: larger is refused
READABLE = ("csv", "xlsx")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_PAGE = 1_000_000


def readable(distribution: Distribution) -> str:
    """The kind (``csv`` or ``xlsx``) of a stored file read row by row; else InvalidValue."""
    kind = (distribution.format or "").lower()
    if kind not in READABLE or not distribution.stored_file:
        raise InvalidValue("only stored CSV and XLSX files are read row by row",
                           code="not-readable-by-row")  # fmt: skip
    return kind


def table_rows(path: Path, kind: str) -> Generator[list[Any], None, None]:
    """The rows of a stored table, header first; InvalidValue ``file-too-large`` past
    :data:`MAX_TABLE_BYTES`, or the code of an input limit for a hostile XLSX."""
    if path.stat().st_size > MAX_TABLE_BYTES:
        raise InvalidValue("the file is too large to be read row by row", code="file-too-large")
    if kind == "csv":
        yield from _csv_rows(path)
    else:
        yield from _xlsx_rows(path)


def _csv_rows(path: Path) -> Iterator[list[Any]]:
    with path.open("rb") as source:
        text, _ = streams.open_text(source)
        try:
            yield from csv.reader(text)
        finally:
            text.detach()


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    try:
        check_workbook(path, InputLimits())
    except InputLimitError as error:
        raise InvalidValue(str(error), code=error.code) from error
    with path.open("rb") as handle:
        book = load_workbook(handle, read_only=True, data_only=True)
        try:
            for row in book.worksheets[0].iter_rows(values_only=True):
                yield list(row)
        finally:
            book.close()


@dataclass(frozen=True)
class RowsPage:
    """One page of masked rows: the delivered header, the rows, and the delivery logged."""

    delivery_id: str
    header: tuple[str, ...]
    rows: list[list[Any]]
    page: int
    limit: int
    more: bool


def paging(page: Any, limit: Any) -> tuple[int, int]:
    """``page`` (from 1) and ``limit`` (1 to MAX_LIMIT, DEFAULT_LIMIT when not given) read
    from request text; InvalidValue ``invalid-paging`` otherwise."""
    try:
        number = 1 if page in (None, "") else int(str(page))
        size = DEFAULT_LIMIT if limit in (None, "") else int(str(limit))
    except ValueError:
        number = size = 0
    if not 1 <= number <= MAX_PAGE or not 1 <= size <= MAX_LIMIT:
        raise InvalidValue(f"page from 1, limit from 1 to {MAX_LIMIT}", code="invalid-paging")
    return number, size


def api_grant(
    session: Session, actor: Actor, dataset: Dataset, distribution: Distribution, now: datetime
) -> Grant:
    """The active grant under which ``actor`` calls rows of ``distribution``: the dataset's
    conditions must state the ``api`` channel. NotGranted or InvalidValue otherwise."""
    grant, _ = channel_grant(
        session, actor, dataset, distribution, now, lambda channel: channel == conditions.API,
        "this dataset is not delivered through the API channel",
    )  # fmt: skip
    return grant


def page_rows(
    session: Session,
    actor: Actor,
    dataset: Dataset,
    distribution: Distribution,
    store: FileStore,
    *,
    page: int,
    limit: int,
    secret: bytes,
    now: datetime,
    origin: Origin = CLI,
) -> RowsPage:
    """Page ``page`` (``limit`` rows) of the masked rows of ``distribution``, logged."""
    grant = api_grant(session, actor, dataset, distribution, now)
    kind = readable(distribution)
    assert distribution.stored_file is not None
    delivery_id = "dlv-" + secrets.token_hex(12)
    masking = grant_masking(grant, dataset, secret, delivery_id)
    rows = table_rows(store.path(distribution.stored_file), kind)
    first = next(rows, None)
    header = [cell_text(cell) for cell in first or []]
    plan = plan_columns(header, masking.rules, masking.key, masking.only)
    start = (page - 1) * limit
    taken = [plan.row(row) for row in islice(rows, start, start + limit + 1)]
    rows.close()
    record = Delivery(id=delivery_id, grant_id=grant.id, distribution_id=distribution.id, at=now,
                      channel=API, format=kind)  # fmt: skip
    session.add(record)
    session.flush()
    change = {"grant": grant.id, "distribution": distribution.id, "channel": API,
              "page": page, "limit": limit}  # fmt: skip
    record_act(session, actor, origin, "grant.deliver", role=APPLICANT, object_type="delivery",
               object_id=delivery_id, change=change, summary=grant.application.reference,
               now=now)  # fmt: skip
    return RowsPage(delivery_id, plan.header, taken[:limit], page, limit, len(taken) > limit)
