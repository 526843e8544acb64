"""Global options work on either side of the subcommand, and LAYERING_* variables set options, as a
user types them."""

from __future__ import annotations

import json
from pathlib import Path

from e2e_support import Cli, bound_repo

EXAMPLE = Path(__file__).parents[2] / "example-repo"


def test_v_and_log_format_after_the_subcommand(cli: Cli) -> None:
    after = cli("validate", str(EXAMPLE), "-v", "--log-format", "json")
    assert after.returncode == 0, after.stderr
    before = cli("-v", "--log-format", "json", "validate", str(EXAMPLE))
    assert (before.returncode, before.stdout) == (0, after.stdout)


def test_json_log_lines_from_a_command(cli: Cli, tmp_path: Path) -> None:
    repo = bound_repo(cli, tmp_path / "bindings")
    planned = cli("plan", "--repo", str(repo.path), "--sim", "--log-format", "json", "-o", "json")
    assert planned.returncode == 2, planned.stderr
    lines = [json.loads(line) for line in planned.stderr.splitlines()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert json.loads(planned.stdout)["commit"] == repo.head()  # stdout stays the JSON document alone


def test_a_variable_sets_an_option_and_a_bad_one_is_named(cli: Cli, tmp_path: Path) -> None:
    repo = bound_repo(cli, tmp_path / "bindings")
    cli.env["LAYERING_REPO"] = str(repo.path)
    cli.env["LAYERING_OUTPUT"] = "json"
    planned = cli("plan", "--sim")
    assert planned.returncode == 2, planned.stderr
    assert json.loads(planned.stdout)["commit"] == repo.head()
    cli.env["LAYERING_OUTPUT"] = "yaml"
    refused = cli("plan", "--sim")
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[-1] == (
        "reconciler: error: LAYERING_OUTPUT='yaml': choose from table, json, markdown")
