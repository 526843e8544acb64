"""`reconciler plan` and `sync` as a user runs them: exit codes, the documented JSON, markdown, and the
refusals (tag, malformed YAML, unknown pool, unreachable repository) that write and delete nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from e2e_support import MC, TAGGED, Cli, LocalSim, Repo, binding_yaml, bound_repo, free_port
from testkit import HOTFIX2

PLAN_KEYS = {"schemaVersion", "kind", "repo", "commit", "inSync", "blocked", "summary", "actions", "problems",
             "rollout", "verification", "imageChecks"}
ACTION_KEYS = {"pool", "action", "machineConfig", "oldImage", "newImage", "binding", "liveResourceVersion",
               "drift", "driftDetails", "impact", "desired"}
SUMMARY_KEYS = {"create", "update", "delete", "unchanged", "nodesToReboot"}
BINDING_KEYS = {"name", "stage", "window", "acceptConflicts", "location"}
DESIRED_KEYS = {"name", "labels", "annotations", "spec"}
PROBLEM_KEYS = {"severity", "subject", "message"}


def cluster_args(local_sim: LocalSim) -> tuple[str, ...]:
    return ("--kubeconfig", str(local_sim.kubeconfig))


def plan_json(cli: Cli, repo: Path, local_sim: LocalSim, expected_exit: int) -> dict[str, Any]:
    result = cli("plan", "--repo", str(repo), *cluster_args(local_sim), "-o", "json")
    assert result.returncode == expected_exit, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_plan_exits_2_then_0_after_sync(cli: Cli, local_sim: LocalSim, tmp_path: Path) -> None:
    repo = bound_repo(cli, tmp_path / "bindings")
    table = cli("plan", "--repo", str(repo.path), *cluster_args(local_sim))
    assert table.returncode == 2, table.stderr
    assert "worker" in table.stdout and "create" in table.stdout and MC in table.stdout
    assert f"Commit: {repo.head()}" in table.stdout

    pending = plan_json(cli, repo.path, local_sim, 2)
    assert set(pending) == PLAN_KEYS
    assert (pending["schemaVersion"], pending["kind"], pending["commit"]) == (1, "Plan", repo.head())
    assert (pending["inSync"], pending["blocked"]) == (False, False)
    summary = pending["summary"]
    assert set(summary) == SUMMARY_KEYS
    assert summary["create"] == 1 and summary["nodesToReboot"] == 3  # two workers and the canary
    (action,) = pending["actions"]
    assert set(action) == ACTION_KEYS and set(action["binding"]) == BINDING_KEYS
    assert set(action["desired"]) == DESIRED_KEYS and set(action["impact"]) == {"pools", "nodesToReboot"}
    assert (action["pool"], action["action"], action["machineConfig"]) == ("worker", "create", MC)
    assert action["oldImage"] is None and action["binding"]["location"].startswith("bindings/worker.yaml:")
    assert sorted(action["impact"]["pools"]) == ["canary", "worker"]
    assert action["desired"]["annotations"]["layering.gitops.dev/source"] == (
        f"{repo.path}@{repo.head()}:bindings/worker.yaml")

    markdown = cli("plan", "--repo", str(repo.path), *cluster_args(local_sim), "-o", "markdown")
    assert markdown.returncode == 2, markdown.stderr
    assert markdown.stdout.lstrip().startswith("#") and repo.head()[:7] in markdown.stdout
    assert any(line.startswith("|") and "create" in line and MC in line for line in markdown.stdout.splitlines())

    synced = cli("sync", "--repo", str(repo.path), *cluster_args(local_sim))
    assert synced.returncode == 0, synced.stderr
    assert f"created MachineConfig/{MC}" in synced.stdout
    assert local_sim.mc(MC) is not None

    in_sync = plan_json(cli, repo.path, local_sim, 0)
    assert (in_sync["inSync"], in_sync["blocked"]) == (True, False)
    assert [a["action"] for a in in_sync["actions"]] == ["unchanged"]


# ---- refusals: exit 1, a located message, nothing written ---------------------------------------------
REFUSED = {
    "tag": (binding_yaml("worker-hotfix", "worker", TAGGED), "bindings/worker.yaml:7:15: "),
    "malformed-yaml": ("kind: PoolImageBinding\nspec: [unclosed\n", "bindings/worker.yaml:3:1: "),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_invalid_bindings_are_refused_by_validate_plan_and_sync(
    cli: Cli, local_sim: LocalSim, tmp_path: Path, case: str
) -> None:
    content, location = REFUSED[case]
    repo = Repo(cli, tmp_path / "bindings")
    repo.write("bindings/worker.yaml", content)
    repo.commit("Bind worker")
    results = {"validate": cli("validate", str(repo.path))}
    for command in ("plan", "sync"):
        results[command] = cli(command, "--repo", str(repo.path), *cluster_args(local_sim))
    for command, result in results.items():
        assert result.returncode == 1, command
        assert location in result.stderr, (command, result.stderr)
    if case == "tag":
        assert "@sha256:" in results["validate"].stderr and "skopeo inspect" in results["validate"].stderr
    assert local_sim.layering_mcs() == set()


def test_an_unknown_pool_blocks_plan_and_sync(cli: Cli, local_sim: LocalSim, tmp_path: Path) -> None:
    repo = bound_repo(cli, tmp_path / "bindings")
    repo.write("bindings/gpu.yaml", binding_yaml("gpu-hotfix", "gpu", HOTFIX2))
    repo.commit("Bind gpu")
    plan = plan_json(cli, repo.path, local_sim, 1)
    assert plan["blocked"] is True
    problems = plan["problems"]
    assert all(set(problem) == PROBLEM_KEYS for problem in problems)
    assert problems[0]["severity"] == "blocking" and problems[0]["subject"].startswith("bindings/gpu.yaml:")
    assert "MachineConfigPool gpu does not exist" in problems[0]["message"]
    synced = cli("sync", "--repo", str(repo.path), *cluster_args(local_sim))
    assert synced.returncode == 1 and "MachineConfigPool gpu does not exist" in synced.stderr
    assert local_sim.layering_mcs() == set()


# ---- an unreachable repository: exit 1, nothing deleted ------------------------------------------------
def test_an_unreachable_repository_deletes_nothing(cli: Cli, local_sim: LocalSim, tmp_path: Path) -> None:
    repo = bound_repo(cli, tmp_path / "bindings")
    remote = tmp_path / "remote.git"
    url = repo.bare_remote(remote)
    assert cli("sync", "--repo", url, *cluster_args(local_sim)).returncode == 0
    before = local_sim.mc(MC)
    assert before is not None

    remote.rename(tmp_path / "moved.git")
    https = f"https://127.0.0.1:{free_port()}/platform/bindings.git"
    for command, source in (("plan", url), ("sync", url), ("sync", https)):
        result = cli(command, "--repo", source, *cluster_args(local_sim))
        assert result.returncode == 1, (command, source, result.stdout)
        assert result.stderr.startswith(f"error: {source}: "), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr  # a message, not a traceback
    assert local_sim.mc(MC) == before
