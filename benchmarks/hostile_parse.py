"""Benchmark of hostile files: seconds and peak memory of each parse, each in a child process
with a memory cap (``RLIMIT_AS``, 4 GB by default) and a time limit (120 s), so that code
which cannot refuse them cannot take the machine either.

| case | file | what reads it |
|---|---|---|
| ``merge-cell`` | a 1.7 KB XLSX, ``<mergeCell ref="A2:XFD1048576"/>`` | the harvester's reader |
| ``zip-bomb`` | a 2.5 MB XLSX whose sheet XML is 744 MB | the harvester's reader |
| ``zip-bomb-validate`` | the same file | validation (``validate_table``) |
| ``rows-1m`` | a 1,000,000-row catalog sheet (with its ``<dimension>``) | the harvester's reader |
| ``rows-1m-no-dimension`` | the same without ``<dimension>`` | the harvester's reader |
| ``billion-laughs`` | a 1 KB RDF/XML document | the DCAT harvester's parse |
| ``deep-json-ld`` | JSON-LD nested 100,000 levels | the DCAT harvester's parse |

The harvester's reader is called with the limits a harvest gives it (500,000 records and the
header rows) where the code knows them; older code, which had no such argument, is called
without. The files are built in a temporary folder (the zip bomb takes a few seconds).

    PYTHONPATH=. .venv/bin/python benchmarks/hostile_parse.py [--cap-gb 4] [--timeout 120] [CASE]

The children import the portal's code from ``PYTHONPATH``, so the same harness measures
another checkout (``PYTHONPATH=/tmp/before python benchmarks/hostile_parse.py``); the harness
itself imports only ``tests/bombs.py`` from its own folder, to build the files.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HARVEST_ROWS = 500_000 + 30  # HarvestSettings.max_records and the header scan
CASES = {
    "merge-cell": ("merge.xlsx", "sheet"),
    "zip-bomb": ("bomb.xlsx", "sheet"),
    "zip-bomb-validate": ("bomb.xlsx", "validate"),
    "rows-1m": ("rows.xlsx", "sheet"),
    "rows-1m-no-dimension": ("rows-nodim.xlsx", "sheet"),
    "billion-laughs": ("laughs.rdf", "xml"),
    "deep-json-ld": ("deep.jsonld", "json-ld"),
}


def build(folder: Path, names: set[str]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests import bombs  # noqa: PLC0415 - the harness's own bombs, not the measured code's

    makers = {
        "merge.xlsx": lambda: bombs.merge_cell_xlsx("A2:XFD1048576"),
        "bomb.xlsx": lambda: bombs.zip_bomb_xlsx(744 * 1024 * 1024),
        "rows.xlsx": lambda: bombs.many_rows_xlsx(1_000_000, dimension=True),
        "rows-nodim.xlsx": lambda: bombs.many_rows_xlsx(1_000_000),
        "laughs.rdf": bombs.billion_laughs_rdf,
        "deep.jsonld": bombs.deep_json_ld,
    }
    for name in sorted(names):
        (folder / name).write_bytes(makers[name]())


def run_case(reader: str, path: Path) -> str:
    """In the child: parse ``path`` as the portal would; the outcome in a few words."""
    if reader == "sheet":
        from harvesters.sheets import SheetError, read_tables  # noqa: PLC0415

        kwargs: dict[str, Any] = {}
        if "limits" in inspect.signature(read_tables).parameters:  # not in the older code
            from catalog.input_limits import InputLimits  # noqa: PLC0415

            kwargs["limits"] = InputLimits(max_rows=HARVEST_ROWS)
        try:
            sheets = read_tables(path.read_bytes(), path.name, **kwargs)
        except SheetError as error:
            return f"refused {error.code}"
        return f"read {sum(len(s.rows) for s in sheets):,} rows"
    if reader == "validate":
        from catalog.quality.validation import validate_table  # noqa: PLC0415

        report = validate_table(path, "XLSX")
        return f"report problem={report.problem} rows={report.stats.get('rows')}"
    from exports.dcat.documents import DocumentError, parse_document  # noqa: PLC0415

    try:
        graph = parse_document(path.read_bytes(), reader)
    except DocumentError as error:
        return f"refused {error.code}"
    return f"read {len(graph)} triples"


def measure(case: str, path: Path, cap: int, timeout: float) -> dict[str, Any]:
    """Run one case in a child under the caps; its outcome, seconds and peak RSS."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    reader = CASES[case][1]
    command = [sys.executable, str(Path(__file__).resolve()), "--child", reader, str(path)]
    started = time.monotonic()
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit
    )
    timed_out = False
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > timeout:
            child.send_signal(signal.SIGKILL)
            timed_out = True
            pid, status, usage = os.wait4(child.pid, 0)
            break
        time.sleep(0.05)
    seconds = time.monotonic() - started
    out = child.stdout.read().decode().strip() if child.stdout else ""
    err = child.stderr.read().decode().strip().splitlines() if child.stderr else []
    if timed_out:
        outcome = f"killed after {timeout:g} s (still parsing)"
    elif os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        outcome = out
    else:
        outcome = f"crashed: {err[-1][:120] if err else status}"
    return {"case": case, "outcome": outcome, "seconds": round(seconds, 2),
            "peak_mb": round(usage.ru_maxrss / 1024)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", metavar="CASE", help=", ".join(CASES))
    parser.add_argument("--cap-gb", type=float, default=4.0)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--child", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(run_case(args.child[0], Path(args.child[1])))
        return
    cases = args.cases or list(CASES)
    unknown = set(cases) - set(CASES)
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="gxdata-bombs-") as folder:
        build(Path(folder), {CASES[c][0] for c in cases})
        for case in cases:
            path = Path(folder) / CASES[case][0]
            result = measure(case, path, int(args.cap_gb * 1024**3), args.timeout)
            result["file_kb"] = round(path.stat().st_size / 1024, 1)
            print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
