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
# What of an error may be kept about a file that is not public: its type and position.
# Messages, notes and cells quote the file's contents (a value, a row, a key).
POSITION_KEYS = ("type", "row_number", "field_number", "field_name")


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

    def redacted(self) -> TableError:
        """The error without anything it quotes of the file: type and position only."""
        return TableError(
            type=self.type,
            message=positional_message(self.type, self.row_number, self.field_number),
            row_number=self.row_number,
            field_number=self.field_number,
            field_name=self.field_name,
        )

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


def positional_message(kind: str, row: int | None, field: int | None) -> str:
    where = [f"row {row}"] if row is not None else []
    where += [f"field {field}"] if field is not None else []
    return f"{kind} at {', '.join(where)}" if where else kind


def redact_error(error: dict[str, Any]) -> dict[str, Any]:
    """A stored error (``TableError.to_dict``) as it may be shown for a file that is not
    public: its type and position, a message built from them, ``redacted`` set."""
    kept = {k: error[k] for k in POSITION_KEYS if error.get(k) is not None}
    kind = str(kept.get("type", "error"))
    kept["type"] = kind
    kept["message"] = positional_message(kind, kept.get("row_number"), kept.get("field_number"))
    kept["redacted"] = True
    return kept
