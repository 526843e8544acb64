"""Connecting by kubeconfig, and how failures of the API surface as the project's errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cluster_world import FAST, World, start_world

from mcosim.resources import EVENTS, POOLS
from reconciler.cluster import Cluster, RequestPolicy
from reconciler.errors import InvalidInput, Transient
from reconciler.model import DesiredMachineConfig


def test_kubeconfig_from_environment(world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}:{world.kubeconfig}")
    with Cluster.connect(policy=FAST, transport=world.transport) as cluster:
        assert cluster.host == world.server.url
        assert cluster.read_live(now=0.0).pool("worker") is not None


def test_context_is_chosen_by_name(world: World, tmp_path: Path) -> None:
    config = json.loads(world.kubeconfig.read_text())
    config["contexts"].append({"name": "elsewhere", "context": {"cluster": "nowhere", "user": "mcosim"}})
    config["clusters"].append({"name": "nowhere", "cluster": {"server": "http://127.0.0.1:9"}})
    config["current-context"] = "elsewhere"
    path = tmp_path / "two-contexts"
    path.write_text(json.dumps(config))
    with Cluster.connect(str(path), context="mcosim", policy=FAST, transport=world.transport) as cluster:
        assert cluster.host == world.server.url
    with pytest.raises(InvalidInput, match="unknown"):
        Cluster.connect(str(path), context="unknown", transport=world.transport)


def test_missing_kubeconfig_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"kubeconfig file not found"):
        Cluster.connect(str(tmp_path / "nope"))


def test_no_configuration_at_all_says_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "nope"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(InvalidInput, match=r"no cluster configured: pass --kubeconfig"):
        Cluster.connect()


def test_stopped_server_is_transient_without_leaking_the_token(tmp_path: Path, world: World) -> None:
    world.server.stop()
    with world.connect() as cluster:
        with pytest.raises(Transient, match=r"^machineconfigs: cannot reach the API server") as caught:
            cluster.read_live(now=0.0)
        assert "sim-token" not in str(caught.value)
        with pytest.raises(Transient, match=r"^MachineConfigPool/worker: "):
            cluster.set_pool_paused("worker", True)


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 429}, {"drop": True}])
def test_failing_server_is_transient(world: World, cluster: Cluster, fault: dict[str, Any]) -> None:
    world.server.faults.add(verb="list", resource="machineconfigpools", **fault)
    with pytest.raises(Transient, match=r"^machineconfigpools: "):
        cluster.read_live(now=0.0)
    world.server.faults.clear()
    assert cluster.read_live(now=0.0).pool("worker") is not None


def test_slow_server_times_out_as_transient(world: World) -> None:
    world.server.faults.add(verb="get", resource="configmaps", latency=1.5)
    policy = RequestPolicy(connect_timeout=1.0, read_timeout=0.3, read_attempts=1)
    with (
        Cluster.connect(str(world.kubeconfig), policy=policy, transport=world.transport) as cluster,
        pytest.raises(Transient, match=r"^ConfigMap/openshift-machine-config-operator/.*timed out"),
    ):
        cluster.read_live(now=0.0)


def test_writes_are_not_retried(world: World, cluster: Cluster) -> None:
    world.server.faults.add(verb="create", resource="machineconfigs", status=500, rate=1.0)
    mc = DesiredMachineConfig("99-layering-worker", "worker", "quay.io/x@sha256:" + "1" * 64, (), ())
    with pytest.raises(Transient, match=r"^MachineConfig/99-layering-worker: "):
        cluster.create_machine_config(mc)


def test_events_are_best_effort(world: World, cluster: Cluster) -> None:
    cluster.record_event("MachineConfigPool", "worker", "RolloutStarted", "rolling worker to hotfix")
    cluster.flush_events()  # events are sent in the background
    events, _ = world.store.list(EVENTS)
    assert [(e["reason"], e["involvedObject"]["name"]) for e in events] == [("RolloutStarted", "worker")]
    world.server.stop()
    cluster.record_event("MachineConfigPool", "worker", "RolloutStarted", "server gone")  # does not raise


def test_a_second_cluster_in_the_same_process_is_independent(world: World, tmp_path: Path) -> None:
    other, server = start_world(tmp_path / "second", world.transport)
    try:
        other.store.delete(POOLS, "infra")
        with world.connect() as first, other.connect() as second:
            assert first.read_live(0.0).pool("infra") is not None
            assert second.read_live(0.0).pool("infra") is None
    finally:
        server.stop()
