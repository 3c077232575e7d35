"""The quarterly figures (:mod:`catalog.stats.quarterly`) as CSV and JSON.

One CSV row per platform, city and department, one column per measure (an empty cell: not
measured yet, or not applicable, such as a share of no datasets); cells are formula-neutralised
and the file starts with a BOM so that Excel reads the Chinese names. The JSON is the figures
dictionary itself. The page, the downloads and ``gxdata stats quarterly`` all write through
these functions, so they agree byte for byte.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from catalog.cells import safe_cell

FIXED_COLUMNS = ("quarter", "status", "scope", "key", "name", "name_en", "city")


def to_csv(figures: dict[str, Any]) -> str:
    codes = [m["code"] for m in figures["measures"]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*FIXED_COLUMNS, *codes])
    for row in figures["rows"]:
        fixed = [figures["quarter"], figures["status"], row["scope"], row["key"], row["name"],
                 row["name_en"], row["city"]]  # fmt: skip
        values = [_cell(row["values"].get(code)) for code in codes]
        writer.writerow([safe_cell(v) for v in fixed] + values)
    return "\ufeff" + out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


def to_json(figures: dict[str, Any]) -> str:
    return json.dumps(figures, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
