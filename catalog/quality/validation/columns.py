"""Check one column of a chunk of rows against its Table Schema field, all cells at once.

The answer has to be exactly Frictionless's: a cell is *blank* (a missing value), a *type
error*, or fine, and may break constraints. Most cells are decided by vectorised pyarrow
kernels: a cell in the field's missing values is blank; a cell matching a pattern that only
values Frictionless accepts can match (``FAST_PATTERNS``, each a strict subset of what the
field's reader takes) has the right type. Every other cell goes through Frictionless's own
cell reader, one by one, so odd but valid values ("1_000", "２０２１", "2024-02-29") are judged
as Frictionless judges them. A field with other formats, options or constraints than the
vectorised ones, or a column holding non-text cells (spreadsheets), is read cell by cell.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from catalog.quality.validation.patterns import FAST_PATTERNS

Notes = dict[str, str]
CellReader = Callable[[Any], tuple[Any, Notes | None]]

ALWAYS_VALID = frozenset({"string", "any"})
VECTOR_CONSTRAINTS = frozenset({"required", "unique"})
NUMBER_OPTIONS = frozenset({"group_char", "decimal_char", "bare_number"})


@dataclass
class ColumnCheck:
    """What one column of a chunk holds, row by row (indices within the chunk)."""

    blank: np.ndarray  # bool: the cell reads as no value, without a type error
    type_errors: np.ndarray  # bool
    notes: dict[int, Notes] = field(default_factory=dict)  # constraint notes by row
    values: list[Any] | None = None  # the read values, when unique or primary keys need them

    @property
    def constraint_rows(self) -> np.ndarray:
        rows = np.zeros(len(self.blank), dtype=bool)
        if self.notes:
            rows[list(self.notes)] = True
        return rows

    def constraint_count(self, skip: np.ndarray) -> int:
        return sum(len(n) for i, n in self.notes.items() if not skip[i])


class FieldChecker:
    """Checks columns of one field; built once per table from the Frictionless field."""

    def __init__(self, field: Any, keep_values: bool):
        self.field = field
        self.keep_values = keep_values
        self.read_cell: CellReader = field.create_cell_reader()
        self.read_value: Callable[[Any], Any] = field.create_value_reader()
        missing = field.missing_values
        if not field.has_defined("missing_values") and field.schema:
            missing = field.schema.missing_values
        self.missing = pa.array([str(v) for v in missing], pa.string())
        self.type_note = f'type is "{field.type}/{field.format}"'
        self.required = bool(field.constraints.get("required"))
        self.required_note = f'constraint "required" is "{field.constraints.get("required")}"'
        self.pattern, self.accepted = self._fast_rule()
        self.vectorised = self._vectorisable()

    def _fast_rule(self) -> tuple[str | None, pa.Array | None]:
        kind = self.field.type
        if kind == "boolean":
            values = [*self.field.true_values, *self.field.false_values]
            return None, pa.array([str(v) for v in values], pa.string())
        return FAST_PATTERNS.get(kind), None

    def _vectorisable(self) -> bool:
        field = self.field
        if set(field.constraints) - VECTOR_CONSTRAINTS:
            return False
        if field.type in ALWAYS_VALID or field.type == "boolean":
            return field.format == "default"
        if field.type not in FAST_PATTERNS or field.format != "default":
            return False
        if field.type == "integer":
            return bool(field.bare_number)
        if field.type == "number":
            return not (NUMBER_OPTIONS & set(field.list_defined()))
        return True

    def check(self, cells: Sequence[Any] | pa.Array) -> ColumnCheck:
        """Check one column: Python cells (None for a missing one) or an Arrow string array."""
        if isinstance(cells, pa.Array):
            if not self.vectorised:
                return self._check_cell_by_cell(cells.to_pylist())
            return self._check_vectorised(_Lazy(cells), cells)
        array = _strings(cells) if self.vectorised else None
        if array is None:
            return self._check_cell_by_cell(cells)
        return self._check_vectorised(cells, array)

    def _check_vectorised(self, cells: Sequence[Any] | _Lazy, array: pa.Array) -> ColumnCheck:
        missing = pc.or_(pc.is_null(array), pc.is_in(array, value_set=self.missing))
        if self.field.type in ALWAYS_VALID:
            type_ok = pc.invert(missing)
        elif self.accepted is not None:
            type_ok = pc.fill_null(pc.is_in(array, value_set=self.accepted), False)
        else:
            assert self.pattern is not None
            type_ok = pc.fill_null(pc.match_substring_regex(array, self.pattern), False)
        blank = _numpy(missing)
        type_errors = ~(blank | _numpy(type_ok))
        if self.accepted is None:  # not matched by the fast pattern: ask the field's reader
            for i in np.flatnonzero(type_errors).tolist():
                if self.read_value(cells[i]) is not None:
                    type_errors[i] = False
        notes: dict[int, Notes] = {}
        if self.required:
            notes = {int(i): {"required": self.required_note} for i in np.flatnonzero(blank)}
        values = None
        if self.keep_values:
            values = [
                None if blank[i] or type_errors[i] else self.read_value(cell)
                for i, cell in enumerate(array.to_pylist())
            ]
        return ColumnCheck(blank=blank, type_errors=type_errors, notes=notes, values=values)

    def _check_cell_by_cell(self, cells: Sequence[Any]) -> ColumnCheck:
        size = len(cells)
        blank = np.zeros(size, dtype=bool)
        type_errors = np.zeros(size, dtype=bool)
        notes: dict[int, Notes] = {}
        values: list[Any] | None = [] if self.keep_values else None
        for i, cell in enumerate(cells):
            value, cell_notes = self.read_cell(cell)
            type_note = cell_notes.pop("type", None) if cell_notes else None
            if type_note:
                type_errors[i] = True
            elif value is None:
                blank[i] = True
            if cell_notes:
                notes[i] = cell_notes
            if values is not None:
                values.append(value)
        return ColumnCheck(blank=blank, type_errors=type_errors, notes=notes, values=values)


class _Lazy:
    """Python values of an Arrow array, converted one at a time when asked for."""

    def __init__(self, array: pa.Array):
        self.array = array

    def __getitem__(self, index: int) -> Any:
        return self.array[index].as_py()

    def __len__(self) -> int:
        return len(self.array)


def _strings(cells: Sequence[Any]) -> pa.Array | None:
    """The cells as an Arrow string array (None stays null), or None if any is not text."""
    try:
        return pa.array(cells, pa.string(), from_pandas=False)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None


def _numpy(mask: Any) -> np.ndarray:
    return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)
