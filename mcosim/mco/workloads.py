"""Pods per node, and the replacement of evicted workload pods (what ReplicaSets/StatefulSets do).

An evicted pod owned by a ReplicaSet or StatefulSet comes back a little later on another ready,
schedulable node of the same role, so PodDisruptionBudgets free up again between node drains.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from typing import Any

from ..clock import rfc3339
from ..resources import NODES, PODS
from ..store import Obj, Store, WatchEvent

RESCHEDULE_DELAY = 10.0
ROLE_HINT = "mcosim.openshift.io/role"  # pod annotation: the node role it may run on


def owner_kind(pod: Obj) -> str:
    refs = pod["metadata"].get("ownerReferences") or []
    return refs[0].get("kind", "") if refs else ""


def node_schedulable(node: Obj) -> bool:
    conditions = node["status"].get("conditions") or []
    ready: dict[str, str] = next((c for c in conditions if c.get("type") == "Ready"), {})
    return ready.get("status") == "True" and not node["spec"].get("unschedulable")


class PodIndex:
    """node name → keys of the pods bound to it, kept current by a store listener."""

    def __init__(self) -> None:
        self.by_node: dict[str, set[tuple[str, str]]] = {}
        self._node_of: dict[tuple[str, str], str] = {}

    def on_event(self, event: WatchEvent) -> None:
        meta = event.obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        old = self._node_of.pop(key, None)
        if old is not None:
            self.by_node.get(old, set()).discard(key)
        node = (event.obj.get("spec") or {}).get("nodeName")
        if event.type != "DELETED" and node:
            self._node_of[key] = node
            self.by_node.setdefault(node, set()).add(key)

    def pods_on(self, store: Store, node: str) -> list[Obj]:
        pods = [store.try_get(PODS, name, ns) for ns, name in sorted(self.by_node.get(node, ()))]
        return [p for p in pods if p is not None]


class Rescheduler:
    def __init__(
        self,
        store: Store,
        index: PodIndex,
        nodes_with_role: Callable[[str], list[str]],
        schedule: Callable[[float], None],
    ) -> None:
        self.store = store
        self.index = index
        self.nodes_with_role = nodes_with_role
        self.schedule = schedule  # asks the engine to call `sync` after a delay
        self._waiting: list[tuple[float, Obj]] = []

    def evicted(self, pod: Obj) -> None:
        if owner_kind(pod) in ("ReplicaSet", "StatefulSet"):
            self._waiting.append((self.store.clock.now() + RESCHEDULE_DELAY, pod))
            self.schedule(RESCHEDULE_DELAY)

    def sync(self) -> None:
        now = self.store.clock.now()
        still: list[tuple[float, Obj]] = []
        for due, pod in self._waiting:
            if due > now or not self._place(pod):
                still.append((max(due, now), pod))
        self._waiting = still
        if still:
            next_due = min(d for d, _ in still)
            self.schedule(next_due - now if next_due > now else RESCHEDULE_DELAY)

    def _place(self, pod: Obj) -> bool:
        role = (pod["metadata"].get("annotations") or {}).get(ROLE_HINT, "worker")
        app = (pod["metadata"].get("labels") or {}).get("app", pod["metadata"]["name"])
        nodes = [
            n
            for n in (self.store.try_get(NODES, name) for name in self.nodes_with_role(role))
            if n is not None and node_schedulable(n)
        ]
        if not nodes:
            return False
        busy = {
            name
            for name in (n["metadata"]["name"] for n in nodes)
            if any(
                (p["metadata"].get("labels") or {}).get("app") == app
                for p in self.index.pods_on(self.store, name)
            )
        }
        target = next((n for n in nodes if n["metadata"]["name"] not in busy), nodes[0])
        self.store.create(PODS, replacement(pod, target["metadata"]["name"], self.store.clock.now()))
        return True


def replacement(pod: Obj, node: str, now: float) -> Obj:
    new: dict[str, Any] = copy.deepcopy(pod)
    meta = new["metadata"]
    for key in ("uid", "resourceVersion", "creationTimestamp", "generation"):
        meta.pop(key, None)
    if owner_kind(pod) == "ReplicaSet":
        stem = meta["name"].rsplit("-", 1)[0]
        seed = f"{meta['name']}{now}"
        meta["name"] = f"{stem}-{hashlib.sha256(seed.encode()).hexdigest()[:5]}"
    new["spec"]["nodeName"] = node
    started = rfc3339(now)
    new["status"]["startTime"] = started
    for cond in new["status"].get("conditions") or []:
        cond["lastTransitionTime"] = started
    for cs in new["status"].get("containerStatuses") or []:
        cs["state"] = {"running": {"startedAt": started}}
    return new
