"""The command line builds only the parser of the command that runs, and parses exactly as the whole
tree does: the same values, help texts, usage errors and exit codes, LAYERING_* variables included.
"Whole tree" is every command's parser built before parsing, as `settings.parsers` walks it."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from reconciler import settings
from reconciler.cli import build_parser

ROOT = Path(__file__).resolve().parents[3]
Outcome = tuple[object, str, str, list[str]]


def whole_tree() -> argparse.ArgumentParser:
    parser = build_parser()
    for _ in settings.parsers(parser):  # builds every command's options
        pass
    return parser


def outcome(parser: argparse.ArgumentParser, argv: list[str], env: dict[str, str]) -> Outcome:
    """What parsing shows: the values (or the exit code), stdout, stderr, and the unknown variables."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            result: object = vars(settings.parse(parser, argv, env))
        except SystemExit as exited:
            result = ("exit", exited.code)
    return result, out.getvalue(), err.getvalue(), settings.unknown_variables(parser, env)


def command_paths() -> list[list[str]]:
    return [list(path) for path, _ in settings.parsers(build_parser())]


def unbuilt(parser: argparse.ArgumentParser) -> set[str]:
    """The commands whose options have not been added (they have --help only)."""
    commands = next(a for a in parser._actions if isinstance(a, settings.Commands))
    return {name for name, sub in commands.choices.items() if len(sub._actions) == 1}


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_every_help_is_the_whole_tree_s(path: list[str]) -> None:
    lazy = outcome(build_parser(), [*path, "--help"], {})
    assert lazy == outcome(whole_tree(), [*path, "--help"], {})
    assert lazy[0] == ("exit", 0) and "usage: reconciler" in lazy[1]


def test_plan_builds_its_own_options_only() -> None:
    parser = build_parser()
    args = settings.parse(parser, ["plan", "--repo", "."], {})
    others = {"validate", "sync", "run", "status", "sim"}  # (demo has no options of its own)
    assert args.repo == "." and unbuilt(parser) == others
    assert settings.unknown_variables(parser, {}) == [] and unbuilt(parser) == others  # no variable: no walk


def test_unknown_variables_are_those_of_every_command_after_one_was_parsed() -> None:
    """LAYERING_INTERVAL is read by `run` only: not a typo for `plan`, whose parse built only plan."""
    parser = build_parser()
    env = {"LAYERING_INTERVAL": "5m", "LAYERING_REPOO": "x", "LAYERING_POOL": "a=1"}
    settings.parse(parser, ["plan", "--repo", "."], env)
    assert settings.unknown_variables(parser, env) == ["LAYERING_REPOO"]
    assert unbuilt(parser) == set()


def test_sim_builds_mcosim_s_commands() -> None:
    args = settings.parse(build_parser(), ["sim", "up", "--pool", "a=1", "--speed", "5"], {})
    assert (args.command, args.sim_command, args.pool, args.speed) == ("sim", "up", ["a=1"], 5.0)


def test_the_command_warns_of_a_variable_no_command_reads() -> None:
    env = {**os.environ, "LAYERING_REPOO": "x", "LAYERING_INTERVAL": "5m"}  # (--interval: `run` only)
    done = subprocess.run([sys.executable, "-m", "reconciler", "validate", "example-repo"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0
    assert "LAYERING_REPOO: no option of any command reads this variable" in done.stderr
    assert "LAYERING_INTERVAL" not in done.stderr


WORDS = ["validate", "plan", "sync", "run", "status", "sim", "demo", "up", "upgrade", "images", "fault",
         "rpm-ostree-status", "bogus", "-h", "--help", "--version", "-v", "--verbose", "--verb", "--log",
         "--log-format", "--log-format=json", "json", "xml", "--", "--repo", "--rep", ".", "--sim", "--wait",
         "--timeout", "5m", "soon", "--interval", "0s", "--pool", "a=1", "-o", "--output", "markdown", "--base",
         "main", "--to", "4.16.9", "--kubeconfig", "k", "--leader-elect", "false", "--identity", "image",
         "drain", "worker:0", "--clear", "--inspect-images", "--metrics-port", "80", "--cache-dir", "-vh"]
VARIABLES = {"LAYERING_REPO": "/r", "LAYERING_OUTPUT": "markdown", "LAYERING_WAIT": "maybe",
             "LAYERING_LOG_FORMAT": "json", "LAYERING_POOL": "a=1,b=2", "LAYERING_INTERVAL": "5m",
             "LAYERING_REPOO": "x", "LAYERING_TIMEOUT": "soon"}


@hypothesis_settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=7),
       st.dictionaries(st.sampled_from(sorted(VARIABLES)), st.just(""), max_size=3))
def test_any_command_line_parses_as_with_the_whole_tree(argv: list[str], chosen: dict[str, str]) -> None:
    env = {name: VARIABLES[name] for name in chosen}
    assert outcome(build_parser(), argv, env) == outcome(whole_tree(), argv, env)
