"""Changes made with kubectl behind the reconciler's back: our MachineConfig edited or deleted (drift,
shown by `plan` and undone by `sync`), and MachineConfigs we do not own (reported, never touched)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_support import MC, Cli, LocalSim, bound_repo
from testkit import HOTFIX1, HOTFIX2

pytestmark = pytest.mark.kubectl


def test_drift_made_with_kubectl_is_planned_and_undone(cli: Cli, local_sim: LocalSim, tmp_path: Path) -> None:
    repo = bound_repo(cli, tmp_path / "bindings")
    sync = ("sync", "--repo", str(repo.path), "--kubeconfig", str(local_sim.kubeconfig))
    plan = ("plan", "--repo", str(repo.path), "--kubeconfig", str(local_sim.kubeconfig), "-o", "json")
    assert cli(*sync).returncode == 0

    patch = {"spec": {"osImageURL": HOTFIX2, "kernelArguments": ["nosmt"]}}
    edited = cli.kubectl(local_sim.kubeconfig, "patch", "mc", MC, "--type", "merge", "-p", json.dumps(patch))
    assert edited.returncode == 0, edited.stderr
    planned = cli(*plan)
    assert planned.returncode == 2, planned.stderr
    (action,) = json.loads(planned.stdout)["actions"]
    assert action["action"] == "update"
    assert any(d.startswith("spec.osImageURL") for d in action["drift"]), action["drift"]
    assert any("kernelArguments" in d for d in action["drift"]), action["drift"]
    assert cli(*sync).returncode == 0
    restored = local_sim.mc(MC)
    assert restored is not None and restored["spec"] == {"osImageURL": HOTFIX1}

    deleted = cli.kubectl(local_sim.kubeconfig, "delete", "mc", MC)
    assert deleted.returncode == 0, deleted.stderr
    recreated = cli(*sync)
    assert recreated.returncode == 0 and f"created MachineConfig/{MC}" in recreated.stdout
    assert local_sim.mc(MC) is not None


UNOWNED = """apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: {name}
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  osImageURL: {image}
"""


@pytest.mark.parametrize(("name", "message"), [
    ("99-zz-other", "MachineConfig 99-zz-other also sets osImageURL and sorts after 99-layering-worker"),
    (MC, f"MachineConfig {MC} already exists without the label"),
], ids=["shadowing", "our-name"])
def test_an_unowned_mc_blocks_and_is_left_alone(
    cli: Cli, local_sim: LocalSim, tmp_path: Path, name: str, message: str
) -> None:
    created = cli.kubectl(local_sim.kubeconfig, "apply", "-f", "-", stdin=UNOWNED.format(name=name, image=HOTFIX2))
    assert created.returncode == 0, created.stderr
    theirs = local_sim.mc(name)
    repo = bound_repo(cli, tmp_path / "bindings")
    planned = cli("plan", "--repo", str(repo.path), "--kubeconfig", str(local_sim.kubeconfig))
    assert planned.returncode == 1
    assert "Blocking problems:" in planned.stdout and message in " ".join(planned.stdout.split())
    synced = cli("sync", "--repo", str(repo.path), "--kubeconfig", str(local_sim.kubeconfig))
    assert synced.returncode == 1 and message in synced.stderr
    assert local_sim.mc(name) == theirs
    assert local_sim.layering_mcs() == ({MC} if name == MC else set())
