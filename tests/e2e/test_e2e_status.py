"""`reconciler status`: pools, bindings and nodes, as a table and as the documented JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_support import MC, Cli, LocalSim, bound_repo
from testkit import HOTFIX1

STATUS_KEYS = {"schemaVersion", "kind", "releaseVersion", "baseImage", "desired", "pools", "nodes", "rollout",
               "verification"}
POOL_KEYS = {"name", "binding", "desiredImage", "machineConfig", "targetConfig", "currentConfig", "targetImage",
             "currentImage", "paused", "machineCount", "updatedMachineCount", "readyMachineCount",
             "unavailableMachineCount", "degradedMachineCount", "conditions", "conditionDetails", "phase"}
NODE_KEYS = {"name", "pool", "currentConfig", "desiredConfig", "state", "reason", "phase", "ready",
             "unschedulable"}


@pytest.mark.parametrize("local_sim", ["4.16.3", "4.19.0"], indirect=True)
def test_status_shows_pools_bindings_and_nodes(cli: Cli, local_sim: LocalSim, tmp_path: Path) -> None:
    repo = bound_repo(cli, tmp_path / "bindings")
    cluster = ("--kubeconfig", str(local_sim.kubeconfig))
    assert cli("sync", "--repo", str(repo.path), *cluster).returncode == 0
    local_sim.sim.advance(90)  # the render is done and the first worker is on its way
    nodes = {pool: local_sim.sim.nodes_of(pool) for pool in ("master", "worker", "canary")}

    table = cli("status", "--repo", str(repo.path), *cluster)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert any(line.split()[:3] == ["worker", "worker-hotfix", "rhcos-hotfix@sha256:8afacc…8010"] for line in lines
               if line.strip()), table.stdout
    assert all(any(name in line and pool in line for line in lines) for pool in nodes for name in nodes[pool])

    result = cli("status", "--repo", str(repo.path), *cluster, "-o", "json")
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert set(status) == STATUS_KEYS and (status["schemaVersion"], status["kind"]) == (1, "Status")
    assert status["desired"] == {"repo": str(repo.path), "commit": repo.head()}
    pools = {pool["name"]: pool for pool in status["pools"]}
    assert sorted(pools) == ["canary", "master", "worker"]
    assert all(set(pool) == POOL_KEYS for pool in status["pools"])
    worker = pools["worker"]
    assert set(worker["machineConfig"]) == {"name", "image", "binding", "source"}
    assert (worker["binding"], worker["desiredImage"]) == ("worker-hotfix", HOTFIX1)
    assert worker["machineConfig"]["name"] == MC
    assert worker["targetImage"] == HOTFIX1 and worker["targetConfig"] != worker["currentConfig"]
    assert worker["conditions"]["Updating"] == "True"
    assert worker["phase"].startswith("rolling: worker 0/2 updated"), worker["phase"]
    assert pools["master"]["binding"] is None and pools["master"]["machineConfig"] is None
    assert {(n["pool"], n["name"]) for n in status["nodes"]} == {(p, n) for p in nodes for n in nodes[p]}
    assert all(set(node) == NODE_KEYS for node in status["nodes"])
    moving = [n for n in status["nodes"] if n["pool"] == "worker" and n["desiredConfig"] == worker["targetConfig"]]
    assert moving and moving[0]["phase"] not in ("", "updated"), status["nodes"]

    bare = json.loads(cli("status", *cluster, "-o", "json").stdout)
    assert bare["desired"] is None and all(p["binding"] is None for p in bare["pools"])
