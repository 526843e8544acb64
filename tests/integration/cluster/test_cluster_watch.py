"""The watch cache of `run` and `sync --wait` against the simulator's API: one list per kind, then
changes arrive by watch; a change that matters wakes the caller; our own writes are read back at
once; an expired watch (410) and dropped watch connections recover without losing a change."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cluster_world import HOTFIX, World, bootstrap, observed

from mcosim.api.server import ApiServer
from mcosim.clock import VirtualClock
from mcosim.kubeconfig import write_kubeconfig
from mcosim.resources import MACHINE_CONFIGS, NODES, POOLS
from mcosim.store import Store
from reconciler.cluster import Cluster
from reconciler.model import MANAGED_BY_LABEL, MANAGED_BY_VALUE, ROLE_LABEL, DesiredMachineConfig

WAIT = 10.0


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {WAIT}s: {what}")


@pytest.fixture
def small_history(tmp_path: Path) -> Iterator[World]:
    """A store that keeps only a few events: a burst of writes expires a watch (410)."""
    store = Store(VirtualClock(), history=4)
    bootstrap(store)
    server = ApiServer(store)
    server.start()
    try:
        write_kubeconfig(tmp_path / "kubeconfig", server.url)
        yield World(store, server, tmp_path / "kubeconfig")
    finally:
        server.stop()


def set_pool_condition(world: World, pool: str, type_: str, status: str) -> None:
    with world.store.lock:
        obj = copy.deepcopy(world.store.get(POOLS, pool))
        obj["status"]["conditions"] = [c for c in obj["status"]["conditions"] if c["type"] != type_]
        obj["status"]["conditions"].append({"type": type_, "status": status})
        world.store.update(POOLS, obj, subresource="status")


def label_node(world: World, node: str, key: str, value: str) -> None:
    with world.store.lock:
        obj = copy.deepcopy(world.store.get(NODES, node))
        obj["metadata"]["labels"][key] = value
        world.store.update(NODES, obj)


def worker_mc() -> DesiredMachineConfig:
    labels = ((ROLE_LABEL, "worker"), (MANAGED_BY_LABEL, MANAGED_BY_VALUE))
    return DesiredMachineConfig("99-layering-worker", "worker", HOTFIX, labels, ())


def test_passes_read_the_cache_and_a_change_that_matters_wakes(world: World, cluster: Cluster) -> None:
    observed(world)
    woken = threading.Event()
    cluster.follow(woken.set)
    lists = cluster._cache.list_count() if cluster._cache else 0
    assert lists == 4  # machineconfigs, pools, nodes, machineconfignodes: once each
    before = cluster.read_live(0.0, every_node=False)
    assert before.pool("infra") is not None and not before.pool("infra").degraded  # type: ignore[union-attr]
    assert {n.pool for n in before.nodes} == {"worker"}  # nodes of the pool that is rolling only
    set_pool_condition(world, "infra", "Degraded", "True")
    assert woken.wait(WAIT), "a pool turning Degraded wakes the caller"
    eventually(lambda: cluster.read_live(0.0, every_node=False).pool("infra").degraded,  # type: ignore[union-attr]
               "the pool read as degraded")
    assert {n.pool for n in cluster.read_live(0.0, every_node=False).nodes} == {"worker", "infra"}
    assert cluster._cache is not None and cluster._cache.list_count() == lists  # no LIST since the start


def test_our_write_is_read_back_at_once(world: World, cluster: Cluster) -> None:
    cluster.follow(lambda: None)
    cluster.create_machine_config(worker_mc())
    assert cluster.read_live(0.0).machine_config("99-layering-worker") is not None


def test_an_expired_watch_lists_again_and_misses_nothing(small_history: World) -> None:
    with small_history.connect() as cluster:
        woken = threading.Event()
        cluster.follow(woken.set)
        with small_history.store.lock:  # a burst longer than the history, in one go: the watch expires
            for i in range(12):
                label_node(small_history, "master-0", "burst", str(i))
        set_pool_condition(small_history, "master", "Degraded", "True")
        assert woken.wait(WAIT)
        eventually(lambda: cluster._cache is not None and cluster._cache.list_count() > 4, "a relist after 410")
        eventually(lambda: cluster.read_live(0.0).pool("master").degraded,  # type: ignore[union-attr]
                   "the change after the expiry")
        cache = cluster._cache
        assert cache is not None

        def last_label() -> str | None:
            node = next(n for n in cache.items("nodes") if n["metadata"]["name"] == "master-0")
            return node["metadata"]["labels"].get("burst")  # type: ignore[no-any-return]

        eventually(lambda: last_label() == "11", "the last write of the burst")


def test_dropped_watch_connections_resume_without_losing_a_change(world: World, cluster: Cluster) -> None:
    cluster.follow(lambda: None)
    rule = world.server.faults.add(verb="watch", drop=True)
    with world.store.lock:
        mc = copy.deepcopy(world.store.get(MACHINE_CONFIGS, "99-worker-hand-made"))
        mc["metadata"]["labels"]["changed"] = "while-dropped"
        world.store.update(MACHINE_CONFIGS, mc)
    time.sleep(1.0)
    world.server.faults.clear()
    del rule
    eventually(lambda: dict(cluster.read_live(0.0).machine_config("99-worker-hand-made").labels)  # type: ignore[union-attr]
               .get("changed") == "while-dropped", "the change made while watches were dropped")
