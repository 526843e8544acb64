"""What a user sees with kubectl on release-shaped clusters: api-resources per release, `get mcn` on 4.19,
`kubectl cordon` keeping a worker out of a rollout, and the render error of an unknown Ignition version."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from simmco_helpers import HOTFIX1, condition, layer_mc, target
from testkit import kubectl_binary

from mcosim import SimConfig, Simulator

pytestmark = pytest.mark.kubectl
Kubectl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Callable[..., tuple[Simulator, Kubectl]]]:
    binary = kubectl_binary()
    sims: list[Simulator] = []

    def start(release: str) -> tuple[Simulator, Kubectl]:
        sim = Simulator(SimConfig(clock="virtual", release=release, masters=1, workers=2)).start()
        sims.append(sim)
        config = sim.write_kubeconfig(tmp_path / f"{release}.kubeconfig")
        env = {**os.environ, "HOME": str(tmp_path), "KUBECACHEDIR": str(tmp_path / f"cache-{release}")}

        def kubectl(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
            return subprocess.run([binary, "--kubeconfig", str(config), *args], capture_output=True, text=True,
                                  env=env, input=stdin, timeout=60, check=False)

        return sim, kubectl

    yield start
    for sim in sims:
        sim.stop()
        assert sim.errors == []


def test_api_resources_follow_the_release(cluster: Callable[..., tuple[Simulator, Kubectl]]) -> None:
    _, old = cluster("4.16.3")
    listed = old("api-resources", "--api-group=machineconfiguration.openshift.io", "-o", "name")
    assert listed.returncode == 0, listed.stderr
    assert "machineconfigpools.machineconfiguration.openshift.io" in listed.stdout
    assert "machineconfignodes" not in listed.stdout
    missing = old("get", "mcn")
    assert missing.returncode != 0 and "the server doesn't have a resource type" in missing.stderr

    _, new = cluster("4.19.0")
    got = new("get", "mcn")
    assert got.returncode == 0, got.stderr
    assert got.stdout.split()[:6] == ["NAME", "POOLNAME", "DESIREDCONFIG", "CURRENTCONFIG", "UPDATED", "AGE"]
    assert len(got.stdout.splitlines()) == 4  # one per node


def test_cordoned_worker_stays_out_and_the_pool_counts_it_unavailable(
    cluster: Callable[..., tuple[Simulator, Kubectl]],
) -> None:
    sim, kubectl = cluster("4.16.3")
    worker = sim.nodes_of("worker")[0]
    assert kubectl("cordon", worker).returncode == 0
    sim.advance(1)
    pool = json.loads(kubectl("get", "mcp", "worker", "-o", "json").stdout)["status"]
    assert (pool["unavailableMachineCount"], pool["readyMachineCount"]) == (1, 1)
    applied = kubectl("apply", "-f", "-", stdin=json.dumps(layer_mc(HOTFIX1, name="99-hotfix")))
    assert applied.returncode == 0, applied.stderr
    sim.advance(4 * 3600)
    assert sim.node_annotations(worker)["desiredConfig"] != target(sim, "worker")


def test_unknown_ignition_version_is_render_degraded(cluster: Callable[..., tuple[Simulator, Kubectl]]) -> None:
    sim, kubectl = cluster("4.16.3")
    future = layer_mc(HOTFIX1, name="99-future", config={"ignition": {"version": "3.9.0"}})
    assert kubectl("apply", "-f", "-", stdin=json.dumps(future)).returncode == 0
    sim.advance(10)
    message = condition(sim, "worker", "RenderDegraded")["message"]
    assert message == (
        "Failed to render configuration for pool worker: could not generate rendered MachineConfig: parsing "
        "Ignition config failed: unknown version. Supported spec versions: 2.2, 3.0, 3.1, 3.2, 3.3, 3.4"
    )
    shown = kubectl("get", "mcp", "worker")
    assert shown.returncode == 0 and shown.stdout.splitlines()[1].split()[4] == "True"  # DEGRADED
