"""The sandbox engine: a fresh in-memory DuckDB database per session, the granted tables loaded
masked, sealed, and queries run under the disclosure rule and the limits.

A :class:`Sandbox` is opened with :class:`Limits`, gets its tables with :meth:`Sandbox.load`,
and is sealed by the first query (or :meth:`Sandbox.seal`): external access was off from the
start, and sealing locks the configuration, so no statement can turn it back on. Each query is
checked by :func:`catalog.sandbox.disclosure.prepare`, run on a connection of its own to the
session's database (a DuckDB cursor, closed after it) with a timer that interrupts the
connection at the time limit, and its rows are suppressed under k before the row and size
limits apply; the answer is a :class:`QueryResult`, or a :class:`Refused` with a stable code.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import IO, Any

import duckdb

from catalog.masking import streams
from catalog.sandbox import disclosure
from catalog.sandbox.disclosure import Refused, TableRule, refuse
from catalog.sandbox.loading import Loaded, load_table, quote

DEFAULT_K = 5
FETCH_ROWS = 10_000
MAX_GROUPS = 200_000


@dataclass(frozen=True)
class Limits:
    seconds: float = 10.0
    memory: str = "512MB"
    threads: int = 2
    max_rows: int = 1_000
    max_result_bytes: int = 1_000_000


@dataclass(frozen=True)
class QueryResult:
    """What one query returned: the pages show it and the query log stores it."""

    sql: str
    table: str  # the table the query read
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    seconds: float
    rows_touched: int  # the source rows of the table the query read
    suppressed: int  # result rows left out because they stand for fewer than k source rows
    truncated: bool  # more rows than Limits.max_rows (after suppression, LIMIT and OFFSET)
    k: int


@dataclass
class _Table:
    loaded: Loaded
    k: int


def _config(limits: Limits) -> dict[str, Any]:
    return {
        "enable_external_access": False,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "memory_limit": limits.memory,
        "threads": limits.threads,
        "max_temp_directory_size": "0B",
    }


@dataclass
class Sandbox:
    """One session's database; close it (or use ``with``) when the session ends."""

    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        self._con = duckdb.connect(":memory:", config=_config(self.limits))
        self._tables: dict[str, _Table] = {}
        self._sealed = False
        self._lock = threading.Lock()  # loading and sealing; queries run side by side

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()

    @property
    def tables(self) -> dict[str, Loaded]:
        return {name: table.loaded for name, table in self._tables.items()}

    def load(
        self,
        name: str,
        source: IO[bytes],
        kind: str,
        masking: streams.Delivery,
        *,
        k: int = DEFAULT_K,
    ) -> Loaded:
        """Load a granted file, masked by ``masking``, as table ``name`` with threshold ``k``."""
        with self._lock:
            if self._sealed:
                raise refuse("sandbox-sealed", "tables are loaded before the first query")
            if not name or name.lower().startswith(disclosure.HIDDEN) or name in self._tables:
                raise refuse("table-name", f"the table name {name!r} cannot be used")
            loaded = load_table(self._con, name, source, kind, masking)
            self._tables[name] = _Table(loaded, max(1, k))
            return loaded

    def seal(self) -> None:
        """Lock the configuration: from now on no statement changes a setting."""
        with self._lock:
            if not self._sealed:
                self._con.execute("SET lock_configuration = true")
                self._sealed = True

    def query(self, sql: str) -> QueryResult:
        """Run one aggregate query under the rule and the limits."""
        self.seal()
        started = time.perf_counter()
        rules = {
            name: TableRule(table.k, table.loaded.identifiers)
            for name, table in self._tables.items()
        }
        deadline = started + self.limits.seconds
        cursor = self._con.cursor()  # one connection per query, to the session's database
        try:
            prepared = disclosure.prepare(_statement(cursor, sql), rules)
            table = self._tables[prepared.table]
            if prepared.where is not None:
                self._check_filter(cursor, prepared, deadline)
            columns, kept, suppressed, truncated = self._run(cursor, prepared, deadline)
        finally:
            cursor.close()
        return QueryResult(
            sql=sql,
            table=prepared.table,
            columns=columns,
            rows=tuple(kept),
            seconds=time.perf_counter() - started,
            rows_touched=table.loaded.rows,
            suppressed=suppressed,
            truncated=truncated,
            k=prepared.k,
        )

    def _check_filter(
        self, cursor: duckdb.DuckDBPyConnection, prepared: disclosure.Prepared, deadline: float
    ) -> None:
        """A WHERE that leaves out fewer than k rows (but some) singles them out by difference."""
        sql = (
            f"SELECT count(*), count(*) FILTER (WHERE coalesce(({prepared.where}), false)) "
            f"FROM {quote(prepared.table)}"
        )
        with _timer(cursor, deadline):
            total, inside = _execute(cursor, sql).fetchone() or (0, 0)
        outside = total - inside
        if 0 < outside < prepared.k:
            raise refuse(
                "filter-isolates",
                f"the filter leaves out fewer than {prepared.k} rows, which a second query "
                "could single out",
            )

    def _run(
        self, cursor: duckdb.DuckDBPyConnection, prepared: disclosure.Prepared, deadline: float
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]], int, bool]:
        width, k = prepared.user_columns, prepared.k
        shown: list[tuple[int, tuple[Any, ...]]] = []  # (source rows, row) of each group shown
        suppressed = hidden_rows = 0  # groups suppressed; source rows not shown
        with _timer(cursor, deadline):
            result = _execute(cursor, prepared.sql)
            while batch := result.fetchmany(FETCH_ROWS):
                for row in batch:
                    n = row[width]
                    if min((n, *row[width + 1 : width + 1 + prepared.counts])) < k:
                        suppressed, hidden_rows = suppressed + 1, hidden_rows + n
                    elif prepared.has_having and not row[-1]:
                        hidden_rows += n
                    elif len(shown) >= MAX_GROUPS:
                        raise refuse("too-many-groups", "the query has too many groups")
                    else:
                        shown.append((n, tuple(row[:width])))
        # Secondary suppression: the total less the groups shown must not be a small group.
        while suppressed and shown and hidden_rows < k:
            smallest = min(range(len(shown)), key=lambda index: shown[index][0])
            hidden_rows += shown.pop(smallest)[0]
            suppressed += 1
        rows = [row for _, row in shown][prepared.offset :]
        if prepared.limit is not None:
            rows = rows[: prepared.limit]
        truncated = len(rows) > self.limits.max_rows
        rows = rows[: self.limits.max_rows]
        size = sum(len(str(value).encode()) for row in rows for value in row)
        if size > self.limits.max_result_bytes:
            raise refuse("result-too-large", "the result is too large: aggregate more")
        return prepared.columns, rows, suppressed, truncated


def _statement(cursor: duckdb.DuckDBPyConnection, sql: str) -> str:
    """DuckDB's own parser agrees: one statement, a SELECT."""
    try:
        found = cursor.extract_statements(sql)
    except duckdb.Error:
        raise refuse("query-syntax", "the query could not be parsed") from None
    if len(found) != 1:
        raise refuse("one-statement", "send exactly one statement")
    if found[0].type != duckdb.StatementType.SELECT:
        raise refuse("not-a-select", "only SELECT queries run in the sandbox")
    return sql


def _timer(cursor: duckdb.DuckDBPyConnection, deadline: float) -> _Interrupter:
    return _Interrupter(cursor, max(0.0, deadline - time.perf_counter()))


def _execute(cursor: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyConnection:
    try:
        return cursor.execute(sql)
    except duckdb.Error as error:
        raise _refusal(error) from None


class _Interrupter:
    """Interrupt the connection when ``seconds`` have passed; the query then fails."""

    def __init__(self, con: duckdb.DuckDBPyConnection, seconds: float):
        self._con = con
        self._fired = threading.Event()
        self._timer = threading.Timer(seconds, self._fire)

    def _fire(self) -> None:
        self._fired.set()
        self._con.interrupt()

    def __enter__(self) -> _Interrupter:
        self._timer.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: object, _: object) -> None:
        self._timer.cancel()
        if self._fired.is_set() and (kind is None or issubclass(kind, Refused | duckdb.Error)):
            raise refuse("time-limit", "the query ran past its time limit") from None
        if isinstance(error, duckdb.Error):
            raise _refusal(error) from None


def _refusal(error: duckdb.Error) -> Refused:
    """A DuckDB error as a refusal. Errors about the query text keep their message; errors
    raised while reading data do not (a failed cast would quote the value it failed on)."""
    if isinstance(error, duckdb.InterruptException):
        return refuse("time-limit", "the query ran past its time limit")
    if isinstance(error, duckdb.OutOfMemoryException):
        return refuse("memory-limit", "the query needs more memory than the sandbox allows")
    if isinstance(error, duckdb.PermissionException):
        return refuse("not-permitted", "the sandbox reads no file, URL or extension")
    if isinstance(error, duckdb.ParserException | duckdb.BinderException | duckdb.CatalogException):
        return refuse("query-invalid", str(error).splitlines()[0])
    return refuse("query-failed", f"the query failed while running ({type(error).__name__})")
