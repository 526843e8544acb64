"""The reconciler's memory: one JSON document in a ConfigMap, guarded by resourceVersion."""

from __future__ import annotations

import pytest
from cluster_world import World

from mcosim.resources import CONFIGMAPS, NAMESPACES
from reconciler.cluster import Cluster
from reconciler.errors import ClusterError, Conflict

NS, NAME = "layering-reconciler", "layering-reconciler-state"
OURS = {"app.kubernetes.io/managed-by": "layering-reconciler"}


def test_first_load_is_empty_and_save_creates_namespace_and_configmap(world: World, cluster: Cluster) -> None:
    assert cluster.load_memory() == {}
    doc = {"pools": {"worker": {"bakeStartedAt": 12.5, "pausedByUs": True}}, "failed": ["a@sha256:1"]}
    cluster.save_memory(doc)
    assert world.store.get(NAMESPACES, NS)["metadata"]["labels"] == OURS
    stored = world.store.get(CONFIGMAPS, NAME, NS)
    assert stored["metadata"]["labels"] == OURS
    assert set(stored["data"]) == {"state.json"}


def test_round_trip_survives_a_new_connection(world: World, cluster: Cluster) -> None:
    cluster.load_memory()
    cluster.save_memory({"v": 1})
    cluster.save_memory({"v": 2})  # a second save uses the resourceVersion of the first
    with world.connect() as restarted:
        assert restarted.load_memory() == {"v": 2}


def test_two_writers_cannot_overwrite_each_other(world: World, cluster: Cluster) -> None:
    cluster.load_memory()
    cluster.save_memory({"owner": "first"})
    with world.connect() as other:
        assert other.load_memory() == {"owner": "first"}
        cluster.save_memory({"owner": "first", "step": 2})
        with pytest.raises(Conflict, match=rf"^ConfigMap/{NS}/{NAME}: "):
            other.save_memory({"owner": "second"})
        assert other.load_memory() == {"owner": "first", "step": 2}
        other.save_memory({"owner": "second"})
    assert world.connect().load_memory() == {"owner": "second"}


def test_concurrent_first_saves_conflict(world: World, cluster: Cluster) -> None:
    with world.connect() as other:
        assert cluster.load_memory() == other.load_memory() == {}
        cluster.save_memory({"owner": "first"})
        with pytest.raises(Conflict):
            other.save_memory({"owner": "second"})
    assert cluster.load_memory() == {"owner": "first"}


def test_corrupt_memory_is_reported_not_replaced(world: World, cluster: Cluster) -> None:
    cluster.load_memory()
    cluster.save_memory({"v": 1})
    world.store.modify(CONFIGMAPS, NAME, lambda cm: cm["data"].update({"state.json": "{x"}), namespace=NS)
    with pytest.raises(ClusterError, match=r"state\.json is not valid JSON"):
        cluster.load_memory()
