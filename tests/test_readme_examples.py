"""The README's examples run as written: every `curl` line and `ckanapi` command of its code
blocks, against the demo served on 127.0.0.1 (its host and port put in place of the README's),
answers 2xx. Those writing with `$GXDATA_TOKEN` run in tests/test_rest_write.py instead."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
README_BASE = "http://127.0.0.1:5000"
VENV_BIN = Path(sys.executable).parent
WRITES = "$GXDATA_TOKEN"  # an example that writes names the token so


def examples() -> list[str]:
    """The README's example commands: curl and ckanapi lines inside fenced code blocks."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", README.read_text(encoding="utf-8"), re.M | re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    found = [line for line in lines if re.match(r"curl |(\S+ )*\S*\bckanapi ", line)]
    return [line for line in found if WRITES not in line]


def write_examples() -> list[str]:
    """The examples that write with an API token: run by tests/test_rest_write.py on a
    catalog of its own (the shared demo must not change)."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", README.read_text(encoding="utf-8"), re.M | re.S)
    return [line.strip() for b in blocks for line in b.splitlines() if WRITES in line]


def test_the_readme_has_examples():
    found = examples()
    assert sum(line.startswith("curl ") for line in found) >= 4
    assert sum("ckanapi" in line for line in found) >= 2


@pytest.mark.parametrize("line", examples())
def test_a_readme_example_answers_2xx(line, live_server, demo_client, tmp_path):
    dataset_id = demo_client.get("/api/3/action/package_list").get_json()["result"][0]
    command = shlex.split(line.replace(README_BASE, live_server).replace("<id>", dataset_id))
    if command[0] == "curl":
        assert not re.search(r"[^\x00-\x7f]", line) or "--data-urlencode" in line, (
            "a curl URL must be ASCII: servers answer raw UTF-8 in a URI with 400 Bad URI"
        )
        command[1:1] = ["-sS", "-o", str(tmp_path / "body"), "-w", "%{http_code}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("2"), (done.stdout, (tmp_path / "body").read_text()[:500])
    else:  # run by the shell as written, .venv/bin being the project's virtual environment
        script = line.replace(README_BASE, live_server).replace(".venv/bin", str(VENV_BIN))
        script = script.replace('"$PWD/' + str(VENV_BIN), '"' + str(VENV_BIN))
        done = subprocess.run(
            ["bash", "-c", script],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        if "dump" in command:
            assert len((tmp_path / "datasets.jsonl").read_text().splitlines()) > 1000
