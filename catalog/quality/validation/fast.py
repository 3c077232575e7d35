"""The fast engine: Frictionless's rows, checked a chunk at a time instead of cell by cell.

Frictionless detects the encoding, dialect and header rows; the rows come from Frictionless's
cell stream, or for CSV from :mod:`.csvread` (Arrow's reader, or ``csv.reader`` as Frictionless
sets it up). This module replaces only Frictionless's per-row work — a ``Row`` object and a
reader call per cell — by column checks (:mod:`.columns`) over chunks of rows. Errors come
out as Frictionless makes them, in its order within a row: the cells of unique and
primary-key fields first (Frictionless reads them first), then the other fields in order (a
type error, then constraint errors), extra cells, missing cells; a blank row reports only
``blank-row``; then ``unique-error`` and ``primary-key``. Errors past ``limit_errors`` are
counted by type but not listed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

import numpy as np
import pyarrow as pa
from frictionless import errors as fl_errors

from catalog.quality.validation.columns import ColumnCheck, FieldChecker
from catalog.quality.validation.report import TableError, clip

CHUNK_ROWS = 16_384
Row = tuple[int, list[Any]]


class RowChecker:
    """Checks the content rows of one table against its expected fields."""

    def __init__(self, fields: list[Any], primary_key: list[str], limit_errors: int):
        self.fields = fields
        self.names = [f.name for f in fields]
        self.width = len(fields)
        self.unique = [i for i, f in enumerate(fields) if f.constraints.get("unique")]
        self.primary = [self.names.index(name) for name in primary_key if name in self.names]
        if len(self.primary) != len(primary_key):
            self.primary = []
        keep = set(self.unique) | set(self.primary)
        self.checkers = [FieldChecker(f, keep_values=i in keep) for i, f in enumerate(fields)]
        first = list(dict.fromkeys([*self.unique, *self.primary]))
        self.field_order = first + [i for i in range(self.width) if i not in first]
        self.seen_unique: dict[int, dict[Any, int]] = {i: {} for i in self.unique}
        self.seen_primary: dict[tuple[Any, ...], int] = {}
        self.limit = limit_errors
        self.errors: list[TableError] = []
        self.counts: Counter[str] = Counter()
        self.rows = 0

    @property
    def partial(self) -> bool:
        return self.counts.total() > len(self.errors)

    def check(self, stream: Iterable[Row]) -> None:
        """Check (row number, cells) pairs, a chunk at a time."""
        iterator = iter(stream)
        while chunk := list(islice(iterator, CHUNK_ROWS)):
            self.check_chunk([number for number, _ in chunk], [cells for _, cells in chunk])

    def check_chunk(self, numbers: Sequence[int], rows: list[list[Any]]) -> None:
        """Check consecutive content rows; ``numbers`` are their row numbers."""
        size = len(rows)
        if not size:
            return
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=size)
        self._check(numbers, self._columns(rows, lengths), lengths, rows.__getitem__)

    def check_columns(self, numbers: Sequence[int], columns: list[pa.Array]) -> None:
        """Check consecutive content rows given as Arrow string columns, every row ``width``
        cells long (a blank line read as a row of empty cells, which reports the same)."""
        size = len(numbers)
        if not size:
            return
        lengths = np.full(size, self.width, dtype=np.int64)
        self._check(numbers, columns, lengths, lambda i: [c[i].as_py() for c in columns])

    def _check(
        self,
        numbers: Sequence[int],
        columns: Sequence[Any],
        lengths: np.ndarray,
        row: Callable[[int], list[Any]],
    ) -> None:
        size = len(numbers)
        self.rows += size
        checks = [c.check(col) for c, col in zip(self.checkers, columns, strict=True)]
        blank = np.ones(size, dtype=bool)
        for column_check in checks:
            blank &= column_check.blank
        self._count(checks, lengths, blank)
        keyed = self._key_errors(numbers, checks)
        issue = (lengths != self.width) | blank
        for column_check in checks:
            issue |= column_check.type_errors | column_check.constraint_rows
        rows_with_errors = set(np.flatnonzero(issue).tolist()) | set(keyed)
        if len(self.errors) >= self.limit:
            return
        for i in sorted(rows_with_errors):
            self._list_row(numbers[i], row(i), checks, i, bool(blank[i]), keyed.get(i, []))
            if len(self.errors) >= self.limit:
                del self.errors[self.limit :]
                return

    def _columns(self, rows: list[list[Any]], lengths: np.ndarray) -> list[Any]:
        """The first ``width`` cells of every row, column-wise; a missing cell is None."""
        if self.width == 0:
            return []
        if lengths.min() < self.width:
            pad = [None] * self.width
            rows = [r if len(r) >= self.width else [*r, *pad[len(r) :]] for r in rows]
        return list(zip(*rows, strict=False))[: self.width]

    def _count(self, checks: list[ColumnCheck], lengths: np.ndarray, blank: np.ndarray) -> None:
        counts = self.counts
        counts["blank-row"] += int(blank.sum())
        kept = ~blank
        counts["type-error"] += sum(int(c.type_errors.sum()) for c in checks)
        counts["constraint-error"] += sum(c.constraint_count(blank) for c in checks)
        counts["extra-cell"] += int(np.clip(lengths - self.width, 0, None)[kept].sum())
        counts["missing-cell"] += int(np.clip(self.width - lengths, 0, None)[kept].sum())
        for name in [name for name, count in counts.items() if not count]:
            del counts[name]

    def _key_errors(
        self, numbers: Sequence[int], checks: list[ColumnCheck]
    ) -> dict[int, list[Any]]:
        """unique-error and primary-key errors by row index, remembering values across chunks."""
        found: dict[int, list[Any]] = {}
        for position in self.unique:
            values = checks[position].values
            assert values is not None
            seen = self.seen_unique[position]
            for i, value in enumerate(values):
                if value is None:
                    continue
                match = seen.get(value)
                seen[value] = numbers[i]
                if match:
                    note = f"the same as in the row at position {match}"
                    found.setdefault(i, []).append(("unique-error", note, position))
        if self.primary:
            columns = [checks[p].values for p in self.primary]
            for i, key in enumerate(zip(*columns, strict=True)):
                if set(key) == {None}:
                    note = 'cells composing the primary keys are all "None"'
                    found.setdefault(i, []).append(("primary-key", note, None))
                    continue
                match = self.seen_primary.get(key)
                self.seen_primary[key] = numbers[i]
                if match:
                    note = f"the same as in the row at position {match}"
                    found.setdefault(i, []).append(("primary-key", note, None))
        for keyed in found.values():
            for kind, _note, _position in keyed:
                self.counts[kind] += 1
        return found

    def _list_row(
        self,
        number: int,
        cells: list[Any],
        checks: list[ColumnCheck],
        i: int,
        blank: bool,
        keyed: list[Any],
    ) -> None:
        texts = ["" if c is None else str(c) for c in cells]
        if blank:
            found = [_error(fl_errors.BlankRowError, texts, number, note="")]
        else:
            found = list(self._cell_errors(number, cells, texts, checks, i))
        for kind, note, position in keyed:
            if kind == "unique-error":
                found.append(
                    self._field_error(fl_errors.UniqueError, texts, number, position, note)
                )
            else:
                found.append(_error(fl_errors.PrimaryKeyError, texts, number, note=note))
        self.errors.extend(found)

    def _cell_errors(
        self, number: int, cells: list[Any], texts: list[str], checks: list[ColumnCheck], i: int
    ) -> Iterator[TableError]:
        for position in self.field_order:
            check = checks[position]
            cell = str(cells[position]) if position < len(cells) else "None"  # str(source)
            if check.type_errors[i]:
                note = self.checkers[position].type_note
                yield self._field_error(fl_errors.TypeError, texts, number, position, note, cell)
            for note in (check.notes.get(i) or {}).values():
                yield self._field_error(
                    fl_errors.ConstraintError, texts, number, position, note, cell
                )
        for extra in range(self.width, len(cells)):
            yield _error(
                fl_errors.ExtraCellError,
                texts,
                number,
                note="",
                cell=texts[extra],
                field_name="",
                field_number=extra + 1,
            )
        for missing in range(len(cells), self.width):
            yield self._field_error(fl_errors.MissingCellError, texts, number, missing, "", "")

    def _field_error(
        self,
        kind: type,
        texts: list[str],
        number: int,
        position: int,
        note: str,
        cell: str | None = None,
    ) -> TableError:
        if cell is None:
            cell = texts[position] if position < len(texts) else ""
        return _error(
            kind,
            texts,
            number,
            note=note,
            cell=cell,
            field_name=self.names[position],
            field_number=position + 1,
        )


def _error(kind: type, texts: list[str], number: int, **fields: Any) -> TableError:
    """A TableError with the message Frictionless itself would write."""
    error = kind(cells=texts, row_number=number, **fields)
    return TableError(
        type=error.type,
        message=error.message,
        note=error.note,
        row_number=number,
        field_number=fields.get("field_number"),
        field_name=fields.get("field_name") or None,
        cell=clip(fields["cell"]) if "cell" in fields else None,
    )
