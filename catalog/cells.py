"""Cells of the tables the portal writes (CSV, XLSX): formula injection neutralised.

A spreadsheet program reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after
a tab or carriage return, the same) as a formula: ``+cmd|' /C notepad'!A0`` in a department
name would run a program on the reader's machine (OWASP "CSV Injection"). Excel also reads
the full-width signs ``＝＋－＠`` of Chinese input methods as formulas. Every writer passes
its cells through :func:`safe_cell`, which prefixes such text with an apostrophe; plain
numbers (``-3.5``, ``+1e3``) are left as they are, so that they stay numbers.

:func:`cell_text` is the other way: a cell read from a stored table as the text people see.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet must receive it: text a program would evaluate as a formula
    gets a leading apostrophe; numbers, dates, None and other text are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        if _PLAIN_NUMBER.fullmatch(value) is None:
            return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


def cell_text(value: Any) -> str:
    """A cell read from a table as text: empty for none, ``12`` for a whole float (as
    spreadsheets store numbers)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
