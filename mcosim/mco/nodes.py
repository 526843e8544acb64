"""Node controller: pick which nodes of a pool move to the pool's target config next.

Capacity = maxUnavailable - unavailable nodes - nodes failing on the target; candidates are ready
nodes whose desiredConfig differs from the target, taken zone by zone, oldest first. A targeted
node gets the desiredConfig annotation and the UpdateInProgress taint (removed once it is Done).
A paused pool is rendered but never touched.
"""

from __future__ import annotations

from collections.abc import Callable

from ..releases import ReleaseShape
from ..resources import NODES, PODS, POOLS
from ..store import Obj, Store
from . import constants as c
from .nodestate import NodeSummary, SummaryCache
from .pools import PoolIndex, compute_status, max_unavailable, write_status

RecordEvent = Callable[[Obj, str, str, str], None]


class NodeController:
    def __init__(self, store: Store, index: PoolIndex, record_event: RecordEvent, shape: ReleaseShape) -> None:
        self.store = store
        self.shape = shape
        self.index = index
        self.record_event = record_event
        self.summaries = SummaryCache()

    def sync(self, pool_name: str) -> None:
        pool = self.store.try_get(POOLS, pool_name)
        if pool is None:
            return
        target = ((pool.get("spec") or {}).get("configuration") or {}).get("name", "")
        nodes = self._nodes(pool_name)
        self._clear_finished_taints(nodes)
        if target and not pool["spec"].get("paused"):
            chosen = self._choose(pool, nodes, target)
            if chosen:
                self._target(pool, chosen, target)
                nodes = self._nodes(pool_name)
        write_status(
            self.store,
            pool_name,
            compute_status(self.store.get(POOLS, pool_name), nodes, self.store.clock.now(), self.shape),
        )

    def _choose(self, pool: Obj, nodes: list[NodeSummary], target: str) -> list[NodeSummary]:
        candidates, capacity = all_candidates(pool, nodes, target)
        if pool["metadata"]["name"] == "master" and len(candidates) > 1:
            operator = self._operator_node()
            if operator in {n.name for n in candidates}:
                candidates = [n for n in candidates if n.name != operator]
                self.record_event(pool, "Normal", "DeferringOperatorNodeUpdate",
                                  f"Deferring update of machine config operator node {operator}")
        return sorted(candidates, key=NodeSummary.order_key)[:capacity]

    def _operator_node(self) -> str:
        """The node running the machine-config-operator pod ("" unless exactly one such pod)."""
        pods, _ = self.store.list(PODS, namespace=c.MCO_NAMESPACE, labels="k8s-app=machine-config-operator")
        return str(pods[0]["spec"].get("nodeName", "")) if len(pods) == 1 else ""

    def _nodes(self, pool_name: str) -> list[NodeSummary]:
        found = (self.store.try_get(NODES, name) for name in self.index.nodes_of(pool_name))
        return [self.summaries.get(n) for n in found if n is not None]

    def _target(self, pool: Obj, nodes: list[NodeSummary], target: str) -> None:
        for node in nodes:
            self.store.modify(NODES, node.name, lambda n: _set_desired(n, target))
        update = f"MachineConfig: {target}"
        if len(nodes) == 1:
            message = f"Targeted node {nodes[0].name} to {update}"
        else:
            message = f"Set target for {len(nodes)} nodes to {update}"
        self.record_event(pool, "Normal", "SetDesiredConfig", message)

    def _clear_finished_taints(self, nodes: list[NodeSummary]) -> None:
        for node in nodes:
            if node.in_progress_taint and node.done:
                self.store.modify(NODES, node.name, _remove_taint)


def all_candidates(pool: Obj, nodes: list[NodeSummary], target: str) -> tuple[list[NodeSummary], int]:
    """Ready nodes not yet on the target, and how many may start (unavailable and failing ones use slots)."""
    limit = max_unavailable(pool, len(nodes))
    unavailable = sum(1 for n in nodes if n.unavailable)
    if unavailable >= limit:
        return [], 0
    capacity = limit - unavailable
    failing = sum(1 for n in nodes if n.desired == target and n.failing)
    if failing >= capacity:
        return [], 0
    return [n for n in nodes if n.desired != target and n.ready], capacity - failing


def select_candidates(pool: Obj, nodes: list[NodeSummary], target: str) -> list[NodeSummary]:
    candidates, capacity = all_candidates(pool, nodes, target)
    return sorted(candidates, key=NodeSummary.order_key)[:capacity]


def _set_desired(node: Obj, target: str) -> None:
    node["metadata"].setdefault("annotations", {})[c.DESIRED_CONFIG] = target
    taints = node["spec"].setdefault("taints", [])
    if not any(t.get("key") == c.UPDATE_IN_PROGRESS_TAINT["key"] for t in taints):
        taints.append(dict(c.UPDATE_IN_PROGRESS_TAINT))


def _remove_taint(node: Obj) -> None:
    taints = [
        t for t in node["spec"].get("taints") or [] if t.get("key") != c.UPDATE_IN_PROGRESS_TAINT["key"]
    ]
    if taints:
        node["spec"]["taints"] = taints
    else:
        node["spec"].pop("taints", None)
