"""The cell patterns of the fast validation engine, without its libraries (pyarrow, numpy):
the CSVW description of a table reads them too, in processes that validate nothing."""

from __future__ import annotations

_D28 = r"(?:0[1-9]|1\d|2[0-8])"
_DATE = (
    r"[1-9]\d{3}-(?:(?:0[1-9]|1[0-2])-" + _D28 + r"|(?:0[13-9]|1[0-2])-(?:29|30)"
    r"|(?:0[13578]|1[02])-31)"
)
_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?"
_ZONE = r"(?:Z|[+-](?:0\d|1[0-4]):[0-5]\d)?"

# A cell matching one of these is certainly valid for the field type (default format).
FAST_PATTERNS = {
    "integer": r"^\s*[+-]?\d+\s*$",
    "number": r"^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$",
    "year": r"^\d{4}$",
    "date": "^" + _DATE + "$",
    "datetime": "^" + _DATE + "[T ]" + _TIME + _ZONE + "$",
}
