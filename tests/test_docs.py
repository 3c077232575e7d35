"""The README stays true: every CLI command, config key and test command is documented."""

from __future__ import annotations

import re
from pathlib import Path

from alembic.script import ScriptDirectory

from catalog import migrate
from portal import config as config_module
from portal.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group, prefix="gxdata"):
    for name, command in group.commands.items():
        if name in {"run", "shell", "routes"}:  # Flask's own
            continue
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):
            yield from _commands(command, path)
        else:
            yield path


def test_every_cli_command_is_in_the_readme(app):
    group = app.cli
    commands = list(_commands(group))
    assert {
        "gxdata demo",
        "gxdata serve",
        "gxdata db upgrade",
        "gxdata load-demo",
        "gxdata index rebuild",
        "gxdata check",
    } <= set(commands)
    for command in commands:
        assert f"`{command}" in README, command
    assert main.name is not None


def test_every_config_variable_is_in_the_readme():
    source = Path(config_module.__file__).read_text(encoding="utf-8")
    variables = set(re.findall(r'"(GXDATA_[A-Z_]+)"', source))
    assert len(variables) >= 7
    for variable in variables:
        assert f"`{variable}`" in README, variable


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = re.search(r"TEST_COMMAND='(.+)'", ci).group(1)
    assert test_command in README


def test_cli_migrates_loads_and_indexes(runner, services):
    result = runner.invoke(args=["db", "upgrade"])
    head = ScriptDirectory.from_config(migrate.alembic_config(services.engine)).get_current_head()
    assert result.exit_code == 0 and f"revision {head}" in result.output
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    assert "catalog entries (datasets):  1046" in result.output
    again = runner.invoke(args=["load-demo"])
    assert "datasets added / existing:   0 / 1046" in again.output
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code == 0 and "indexed 1055 public datasets" in result.output
    assert services.search.count() == 1055
