"""Events leave the write path: recording one returns before the API answers, and they reach the
cluster in the order recorded."""

from __future__ import annotations

import time

from cluster_world import World

from mcosim.resources import EVENTS
from reconciler.cluster import Cluster

LATENCY = 0.1  # seconds the API server takes for each Event create
COUNT = 10


def test_events_do_not_block_and_stay_in_order(world: World, cluster: Cluster) -> None:
    world.server.faults.add(verb="create", resource="events", latency=LATENCY)
    started = time.monotonic()
    for i in range(COUNT):
        cluster.record_event("MachineConfig", "99-layering-worker", "LayeringApplied", f"write {i}")
    recorded = time.monotonic() - started
    cluster.flush_events()
    sent = time.monotonic() - started
    assert recorded < LATENCY * COUNT / 4 < sent, (recorded, sent)
    events, _ = world.store.list(EVENTS)
    by_version = sorted(events, key=lambda e: int(e["metadata"]["resourceVersion"]))
    assert [e["message"] for e in by_version] == [f"write {i}" for i in range(COUNT)]
