"""Command-line failures end with a one-line message and exit 1: never a traceback, never a hang."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_support import Cli, LocalSim, bound_repo, free_port


def dead_kubeconfig(tmp_path: Path) -> Path:
    """A kubeconfig whose API server port nothing listens on."""
    port = free_port()
    path = tmp_path / "dead.kubeconfig"
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "dead",
        "clusters": [{"name": "dead", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
        "users": [{"name": "dead", "user": {"token": "t"}}],
        "contexts": [{"name": "dead", "context": {"cluster": "dead", "user": "dead"}}],
    }))
    return path


def test_sync_wait_gives_up_at_its_timeout_while_the_cluster_is_unreachable(cli: Cli, tmp_path: Path) -> None:
    repo = bound_repo(cli, tmp_path / "bindings")
    result = cli("sync", "--repo", str(repo.path), "--kubeconfig", str(dead_kubeconfig(tmp_path)),
                 "--wait", "--timeout", "0s", timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("error: ") and "cannot reach the API server" in result.stderr
    assert "Traceback" not in result.stderr


def test_token_file(cli: Cli, local_sim: LocalSim, tmp_path: Path) -> None:
    repo = bound_repo(cli, tmp_path / "bindings")
    cluster = ("--kubeconfig", str(local_sim.kubeconfig))
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")
    planned = cli("plan", "--repo", str(repo.path), "--token-file", str(token), *cluster)
    assert planned.returncode == 2, planned.stderr
    missing = cli("plan", "--repo", str(repo.path), "--token-file", str(tmp_path / "nope"), *cluster)
    assert missing.returncode == 1
    assert missing.stderr == f"{tmp_path / 'nope'}: cannot read the token file: No such file or directory\n"


@pytest.mark.parametrize(("args", "message"), [
    (("validate", "no-such-dir"), "no-such-dir: no such directory"),
    (("plan", "--repo", ".", "--sim", "-o", "yaml"), "reconciler plan: error: argument -o/--output: invalid choice"),
    (("run", "--repo", ".", "--sim", "--interval", "0s"), "argument --interval: 0s: must be longer than 0s"),
], ids=["validate-missing-path", "plan-usage-error", "run-zero-interval"])
def test_bad_command_lines_exit_1(cli: Cli, args: tuple[str, ...], message: str) -> None:
    result = cli(*args, timeout=30)
    assert result.returncode == 1  # never 2, which `plan` means as "changes pending"
    assert message in result.stderr
