"""Reading a node the way the MCO's node controller does (annotations, readiness, failure)."""

from __future__ import annotations

from dataclasses import dataclass

from ..store import Obj
from . import constants as c


def annotation(node: Obj, key: str) -> str:
    return str((node["metadata"].get("annotations") or {}).get(key, ""))


def is_ready(node: Obj) -> bool:
    ready = next(
        (x for x in node.get("status", {}).get("conditions") or [] if x.get("type") == "Ready"), None
    )
    return ready is not None and ready.get("status") == "True"


def zone(node: Obj) -> str | None:
    return (node["metadata"].get("labels") or {}).get(c.ZONE_LABEL)


def rollout_order(nodes: list[Obj]) -> list[Obj]:
    """Zone by zone (zone name order, oldest first), then nodes without a zone, oldest first."""

    def key(node: Obj) -> tuple[int, str, str, str]:
        z = zone(node)
        meta = node["metadata"]
        return (0 if z is not None else 1, z or "", meta.get("creationTimestamp", ""), meta["name"])

    return sorted(nodes, key=key)


@dataclass(frozen=True, slots=True)
class NodeSummary:
    """What the node controller and pool status need from one node, read once per node version."""

    name: str
    desired: str
    current: str
    state: str
    reason: str
    ready: bool
    unschedulable: bool
    in_progress_taint: bool
    zone: str | None
    created: str

    @property
    def done(self) -> bool:
        return bool(self.current) and self.current == self.desired and self.state == c.STATE_DONE

    @property
    def failing(self) -> bool:
        return self.state in (c.STATE_DEGRADED, c.STATE_UNRECONCILABLE)

    @property
    def unavailable(self) -> bool:
        return not self.ready or (not self.done and not self.failing)

    def updated(self, target: str) -> bool:
        return self.done and self.current == target

    def order_key(self) -> tuple[int, str, str, str]:
        return (0 if self.zone is not None else 1, self.zone or "", self.created, self.name)


class SummaryCache:
    """Summaries keyed by node name, reused while the stored node object is the same one."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[Obj, NodeSummary]] = {}

    def get(self, node: Obj) -> NodeSummary:
        name = node["metadata"]["name"]
        hit = self._cache.get(name)
        if hit is not None and hit[0] is node:
            return hit[1]
        summary = summarize(node)
        self._cache[name] = (node, summary)
        return summary


def summarize(node: Obj) -> NodeSummary:
    meta = node["metadata"]
    notes = meta.get("annotations") or {}
    taints = node.get("spec", {}).get("taints") or []
    return NodeSummary(
        name=meta["name"], desired=notes.get(c.DESIRED_CONFIG, ""), current=notes.get(c.CURRENT_CONFIG, ""),
        state=notes.get(c.STATE, ""), reason=notes.get(c.REASON, ""), ready=is_ready(node),
        unschedulable=bool(node.get("spec", {}).get("unschedulable")),
        in_progress_taint=any(t.get("key") == c.UPDATE_IN_PROGRESS_TAINT["key"] for t in taints),
        zone=zone(node), created=meta.get("creationTimestamp", ""),
    )
