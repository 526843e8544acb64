"""The issue's "Done when", as a new user does it: `reconciler sim up` in one terminal; in another a
bindings repository made by `git init` from example-repo/, then validate, plan, sync --wait, kubectl,
and a revert commit that returns the pool to where it was."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import MC, Cli, SimProcess
from testkit import HOTFIX1

EXAMPLE_REPO = Path(__file__).resolve().parents[2] / "example-repo"
pytestmark = pytest.mark.kubectl


@pytest.fixture(params=["4.16.3", "4.19.0"])
def sim_process(cli: Cli, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[SimProcess]:
    """`reconciler sim up --release V`: 4.16.3 has no MachineConfigNodes, 4.19.0 has v1 ones."""
    sim = SimProcess(cli, tmp_path, "--speed", "200", "--masters", "1", "--workers", "2", "--release", request.param)
    sim.release = request.param
    cli.env["KUBECONFIG"] = str(sim.kubeconfig)  # export KUBECONFIG=$PWD/sim.kubeconfig
    yield sim
    sim.stop()


def make_bindings_repo(cli: Cli, path: Path) -> None:
    """example-repo/ in two commits (the policy, then the binding) so that reverting HEAD removes only
    the binding; the policy bakes for 0s (baking is wall-clock time) and allows removing every binding."""
    shutil.copytree(EXAMPLE_REPO, path)
    policy = path / "layering.yaml"
    text = policy.read_text()
    assert "bakeTime: 10m" in text and "allowEmpty: false" in text
    policy.write_text(text.replace("bakeTime: 10m", "bakeTime: 0s").replace("allowEmpty: false", "allowEmpty: true"))
    cli.git("init", "-q", "--initial-branch=main", cwd=path)
    cli.git("add", "-A", ":!bindings", cwd=path)
    cli.git("commit", "-qm", "Layering policy", cwd=path)
    cli.git("add", "-A", cwd=path)
    cli.git("commit", "-qm", "Bind worker to the hotfix image", cwd=path)


def kubectl_json(cli: Cli, sim: SimProcess, *args: str) -> dict[str, Any]:
    result = cli.kubectl(sim.kubeconfig, "get", *args, "-o", "json")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def mcp_row(cli: Cli, sim: SimProcess) -> dict[str, str]:
    """`kubectl get mcp worker` as {column: value}."""
    result = cli.kubectl(sim.kubeconfig, "get", "mcp", "worker")
    assert result.returncode == 0, result.stderr
    header, row = result.stdout.splitlines()
    return dict(zip(header.split(), row.split(), strict=True))


def test_a_new_user_rolls_out_and_back(cli: Cli, sim_process: SimProcess, tmp_path: Path) -> None:
    repo = tmp_path / "bindings"
    make_bindings_repo(cli, repo)
    cli.cwd = repo
    before = mcp_row(cli, sim_process)
    assert before["UPDATED"] == "True"
    resources = cli.kubectl(sim_process.kubeconfig, "api-resources", "-o", "name")
    assert resources.returncode == 0, resources.stderr
    has_mcns = "machineconfignodes.machineconfiguration.openshift.io" in resources.stdout.split()
    assert has_mcns is (sim_process.release == "4.19.0")
    mcns = cli.kubectl(sim_process.kubeconfig, "get", "mcn")
    assert (mcns.returncode == 0) is has_mcns, mcns.stderr

    assert cli("validate").returncode == 0
    plan = cli("plan", "--repo", ".")
    assert plan.returncode == 2, plan.stderr
    assert "create" in plan.stdout and MC in plan.stdout

    synced = cli("sync", "--repo", ".", "--wait", "--timeout", "5m")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert f"created MachineConfig/{MC}" in synced.stdout
    assert "done: 1 pool(s) rolled out and baked" in synced.stdout

    mc = kubectl_json(cli, sim_process, "mc", MC)
    assert mc["metadata"]["labels"] == {
        "machineconfiguration.openshift.io/role": "worker", "app.kubernetes.io/managed-by": "layering-reconciler"}
    assert mc["metadata"]["annotations"]["layering.gitops.dev/binding"] == "worker-hotfix"
    rolled = mcp_row(cli, sim_process)
    assert rolled["UPDATED"] == "True" and rolled["UPDATEDMACHINECOUNT"] == rolled["MACHINECOUNT"] == "2"
    rendered = kubectl_json(cli, sim_process, "mc", rolled["CONFIG"])
    assert rendered["spec"]["osImageURL"] == HOTFIX1
    node = kubectl_json(cli, sim_process, "nodes", "-l", "node-role.kubernetes.io/worker")["items"][0]
    booted = cli("sim", "rpm-ostree-status", node["metadata"]["name"])
    assert booted.returncode == 0 and f"* ostree-unverified-registry:{HOTFIX1}" in booted.stdout
    assert cli("plan", "--repo", ".").returncode == 0

    cli.git("revert", "--no-edit", "HEAD")
    back = cli("sync", "--repo", ".", "--wait", "--timeout", "5m")
    assert back.returncode == 0, back.stdout + back.stderr
    assert f"deleted MachineConfig/{MC}" in back.stdout
    gone = cli.kubectl(sim_process.kubeconfig, "get", "mc", MC)
    assert gone.returncode == 1 and "NotFound" in gone.stderr
    after = mcp_row(cli, sim_process)
    assert (after["CONFIG"], after["UPDATED"], after["UPDATEDMACHINECOUNT"]) == (before["CONFIG"], "True", "2")
    assert cli("plan", "--repo", ".").returncode == 0
