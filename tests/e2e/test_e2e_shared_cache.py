"""Processes sharing one clone cache (the default cache is per user): concurrent passes all succeed.

Five `reconciler plan` processes start together on a fresh cache, with git slowed down (a wrapper
first on PATH makes `git init` create its directory a moment before filling it, and `git fetch`
start late, as on a loaded machine or a slow disk) so that the processes surely overlap in the
windows where an unlocked cache breaks: a half-created repository taken for a corrupt one and
deleted under another process, and two fetches updating the same refs.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from e2e_support import Cli, LocalSim, bound_repo, reconciler_cmd

SLOW_GIT = """#!/bin/sh
case "$1" in
  init) for last; do :; done; mkdir -p "$last"; sleep 0.5 ;;
  fetch) sleep 0.3 ;;
esac
exec {real} "$@"
"""


def slow_git_path(directory: Path) -> str:
    real = shutil.which("git")
    assert real is not None
    wrapper = directory / "git"
    directory.mkdir()
    wrapper.write_text(SLOW_GIT.replace("{real}", real))
    wrapper.chmod(0o755)
    return str(directory)


def test_five_concurrent_plans_on_a_fresh_cache_all_succeed(cli: Cli, local_sim: LocalSim, tmp_path: Path) -> None:
    url = bound_repo(cli, tmp_path / "work").bare_remote(tmp_path / "remote.git")
    env = dict(cli.env)
    env["PATH"] = f"{slow_git_path(tmp_path / 'bin')}:{env['PATH']}"
    cache = Path(env["XDG_CACHE_HOME"]) / "layering-reconciler" / "repos"
    assert not cache.exists()
    command = reconciler_cmd("plan", "--repo", url, "--kubeconfig", str(local_sim.kubeconfig), "-o", "json")
    runs = [subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(5)]
    results = [(run.wait(timeout=120), *run.communicate()) for run in runs]
    for code, _, stderr in results:
        assert code == 2, stderr  # changes pending: the plan of the commit, every time
        assert "Traceback" not in stderr
    assert len({stdout for _, stdout, _ in results}) == 1  # five identical plans
    entries = sorted(p.name for p in cache.iterdir())
    assert len(entries) == 2 and entries[1] == entries[0] + ".lock"  # one entry, nothing left aside
