"""A command that ends by itself runs without the cyclic garbage collector (it would only scan the
command's acyclic data again and again); `run` and `sync --wait` keep it, and `main` leaves the
collector as it found it."""

from __future__ import annotations

import gc
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli import _ends_by_itself, build_parser, main

EXAMPLE = Path(__file__).parents[3] / "example-repo"


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generations the collector ran on, from now on."""
    seen: list[int] = []

    def count(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.collect()
    gc.callbacks.append(count)
    yield seen
    gc.callbacks.remove(count)


def test_validate_runs_without_collections_and_leaves_the_collector_on(
        collections: list[int], tmp_path: Path) -> None:
    repo = shutil.copytree(EXAMPLE, tmp_path / "repo")
    assert main(["validate", str(repo), "--cache-dir", str(tmp_path / "cache")]) == 0
    assert collections == []  # parsing the example's YAML allocates far past gen 0's threshold of 700
    assert gc.isenabled()
    gc.collect()
    assert collections  # the callback sees collections once main has returned


def test_main_leaves_a_disabled_collector_disabled(tmp_path: Path) -> None:
    gc.disable()
    try:
        main(["validate", str(shutil.copytree(EXAMPLE, tmp_path / "repo"))])
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize(("argv", "ends"), [
    (["validate"], True),
    (["plan", "--repo", "r"], True),
    (["status"], True),
    (["sync", "--repo", "r"], True),
    (["sync", "--repo", "r", "--wait"], False),
    (["run", "--repo", "r"], False),
    (["demo"], False),
])
def test_only_commands_that_end_by_themselves_pause_the_collector(argv: list[str], ends: bool) -> None:
    assert _ends_by_itself(build_parser().parse_args(argv)) is ends


def test_the_entry_point_loads_with_the_collector_off_and_exits_without_collecting(tmp_path: Path) -> None:
    repo = shutil.copytree(EXAMPLE, tmp_path / "repo")
    probe = ("import gc, sys; import reconciler.__main__ as entry; loading = gc.isenabled(); "
             f"sys.argv = ['reconciler', 'validate', {str(repo)!r}]; code = entry.main(); "
             "print(loading, code, gc.get_freeze_count() > 0)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "0", "True"]
