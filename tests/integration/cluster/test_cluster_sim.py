"""The adapter against the full simulator (MCO controllers running in virtual time): a real rollout
of our MachineConfig seen through read_live, and the removal that sends the pools back to base, on a
release without MachineConfigNodes (phases from node annotations) and on one with v1 MCNs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mcosim.sim import SimConfig, Simulator
from reconciler.cluster import Cluster
from reconciler.model import MANAGED_BY_LABEL, MANAGED_BY_VALUE, ROLE_LABEL, DesiredMachineConfig, LiveState

HOTFIX = (
    "quay.io/my-registry/rhcos-hotfix@sha256:"
    "8afaccbbe78087b87335a43c082f78d3f663a1865a92ed709154d29d50eb8010"
)
STEP = 20.0  # simulated seconds between reads


@pytest.fixture(params=["4.16.3", "4.19.0"])
def sim(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    config = SimConfig(clock="virtual", masters=1, workers=2, pools={"canary": 1}, release=request.param)
    with Simulator(config) as started:
        yield started
    assert started.errors == []


def base_of(sim: Simulator) -> str:
    return sim.registry.release(sim.config.release).base.ref


@pytest.fixture
def cluster(sim: Simulator, tmp_path: Path) -> Iterator[Cluster]:
    with Cluster.connect(str(sim.write_kubeconfig(tmp_path / "kubeconfig"))) as connected:
        yield connected


def worker_mc() -> DesiredMachineConfig:
    labels = ((ROLE_LABEL, "worker"), (MANAGED_BY_LABEL, MANAGED_BY_VALUE))
    return DesiredMachineConfig("99-layering-worker", "worker", HOTFIX, labels, ())


def follow(sim: Simulator, cluster: Cluster, done: str, limit: float = 3600.0) -> list[LiveState]:
    """Read the cluster every STEP simulated seconds until pools worker and canary are updated on `done`."""
    reads: list[LiveState] = []
    elapsed = 0.0
    while elapsed < limit:
        sim.advance(STEP)
        elapsed += STEP
        live = cluster.read_live(now=elapsed)
        reads.append(live)
        pools = [live.pool("worker"), live.pool("canary")]
        if all(p and p.current_image == done and p.is_true("Updated") for p in pools):
            return reads
    raise AssertionError(f"pools did not reach {done} in {limit} simulated seconds")


def test_fresh_cluster_reads_as_bootstrapped(sim: Simulator, cluster: Cluster) -> None:
    base = base_of(sim)
    live = cluster.read_live(now=0.0)
    assert (live.base_image, live.release_version) == (base, sim.config.release)
    assert [p.name for p in live.pools] == ["canary", "master", "worker"]
    assert {n.pool for n in live.nodes} == {"master", "worker", "canary"}
    assert len(live.nodes_of("worker")) == 2 and len(live.nodes_of("canary")) == 1
    assert all(n.phase == "updated" for n in live.nodes)
    assert all(p.target_image == p.current_image == base for p in live.pools)
    canary = live.pool("canary")
    assert canary is not None and canary.roles == ("worker", "canary")
    assert not any(m.managed for m in live.machine_configs)


@pytest.mark.slow
def test_rollout_and_removal_as_seen_by_read_live(sim: Simulator, cluster: Cluster) -> None:
    base = base_of(sim)
    rv = cluster.create_machine_config(worker_mc())
    rollout = follow(sim, cluster, HOTFIX)
    phases = {n.phase for live in rollout for n in live.nodes_of("worker")}
    # with MachineConfigNodes the write step shows; from annotations alone the node is drained until it reboots
    middle = "applying" if sim.shape.mcn_version else "drained"
    assert {"draining", middle, "rebooting", "updated"} <= phases
    final = rollout[-1]
    ours = final.machine_config("99-layering-worker")
    assert ours is not None and ours.managed and ours.resource_version == rv
    current = {p.name: p.current_config for p in final.pools}
    assert all(n.phase == "updated" and n.current_config == current[n.pool] for n in final.nodes)

    cluster.delete_machine_config("99-layering-worker", rv)
    removal = follow(sim, cluster, base)
    assert removal[-1].machine_config("99-layering-worker") is None
    worker = removal[-1].pool("worker")
    assert worker is not None and worker.target_image == worker.current_image == base
