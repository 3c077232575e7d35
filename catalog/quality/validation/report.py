"""The validation report of one table: valid or not, typed errors with positions, stats.

Error ``type`` values are Frictionless's own kebab-case codes (``blank-label``,
``duplicate-label``, ``missing-cell``, ``extra-cell``, ``type-error``,
``constraint-error``, ``blank-row``, ``primary-key``, ``unique-error``,
``encoding-error`` …), so a report from the fast engine and one from Frictionless itself
read the same. ``problem`` is set instead when the file could not be validated at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

CELL_LIMIT = 200  # characters of a cell kept in a stored error


@dataclass(frozen=True)
class TableError:
    type: str
    message: str
    note: str = ""
    row_number: int | None = None
    field_number: int | None = None
    field_name: str | None = None
    cell: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableError:
        fields: dict[str, Any] = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**fields)

    @property
    def position(self) -> tuple[str, int | None, int | None]:
        return (self.type, self.row_number, self.field_number)


@dataclass
class TableReport:
    valid: bool
    engine: str | None = None  # "fast" or "frictionless"
    format: str | None = None
    encoding: str | None = None
    dialect: dict[str, Any] = field(default_factory=dict)
    schema: dict[str, Any] = field(default_factory=dict)
    schema_source: str | None = None  # "package" (given) or "inferred"
    stats: dict[str, Any] = field(default_factory=dict)
    errors: list[TableError] = field(default_factory=list)
    error_counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    partial: bool = False  # more errors were found than are listed
    problem: str | None = None  # could not validate: fetch-failed, file-too-large, …

    @property
    def error_count(self) -> int:
        return sum(self.error_counts.values())

    @classmethod
    def failed(cls, problem: str, note: str = "", **fields: Any) -> TableReport:
        """A report for a file that could not be validated at all."""
        return cls(valid=False, problem=problem, warnings=[note] if note else [], **fields)


def count_errors(errors: list[TableError]) -> dict[str, int]:
    return dict(Counter(error.type for error in errors))


def clip(cell: object) -> str:
    text = "" if cell is None else str(cell)
    return text if len(text) <= CELL_LIMIT else text[: CELL_LIMIT - 1] + "…"
