"""Reading a node the way the MCO's node controller does (annotations, readiness, failure)."""

from __future__ import annotations

from dataclasses import dataclass

from ..store import Obj
from . import constants as c


def annotation(node: Obj, key: str) -> str:
    return str((node["metadata"].get("annotations") or {}).get(key, ""))


def _condition(node: Obj, ctype: str) -> str | None:
    found = next((x for x in node.get("status", {}).get("conditions") or [] if x.get("type") == ctype), None)
    return None if found is None else str(found.get("status"))


def is_ready(node: Obj) -> bool:
    """The kubelet side of the node controller's readiness: Ready, no disk pressure, network available."""
    return (
        _condition(node, "Ready") == "True"
        and _condition(node, "DiskPressure") in (None, "False")
        and _condition(node, "NetworkUnavailable") in (None, "False")
    )


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
    healthy: bool  # is_ready: kubelet Ready, no disk pressure, network available
    unschedulable: bool
    in_progress_taint: bool
    zone: str | None
    created: str

    @property
    def done(self) -> bool:
        return bool(self.current) and self.current == self.desired and self.state == c.STATE_DONE

    @property
    def ready(self) -> bool:
        """The node controller's readiness: healthy and schedulable (a cordoned node is not ready)."""
        return self.healthy and not self.unschedulable

    @property
    def degraded(self) -> bool:
        """Counted in degradedMachineCount: its daemon reports Degraded or Unreconcilable."""
        return bool(self.desired) and self.state in (c.STATE_DEGRADED, c.STATE_UNRECONCILABLE)

    @property
    def failing(self) -> bool:
        """Failing to reach its desired config (the node controller may retarget it)."""
        return self.current != self.desired and self.state in (c.STATE_DEGRADED, c.STATE_UNRECONCILABLE)

    @property
    def unavailable(self) -> bool:
        """Not ready, or busy on a config it has not reached (a failing daemon is not busy)."""
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
        state=notes.get(c.STATE, ""), reason=notes.get(c.REASON, ""), healthy=is_ready(node),
        unschedulable=bool(node.get("spec", {}).get("unschedulable")),
        in_progress_taint=any(t.get("key") == c.UPDATE_IN_PROGRESS_TAINT["key"] for t in taints),
        zone=zone(node), created=meta.get("creationTimestamp", ""),
    )
