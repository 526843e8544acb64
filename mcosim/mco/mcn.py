"""MachineConfigNode objects: one per node, mirroring the daemon's progress as conditions.

False = not yet, Unknown = in progress (or failed), True = done. A step's reason is its parent
phase's name followed by its own (`UpdateExecutedCordoned`; RebootedNode keeps its own); a phase's
reason is its own name, or the step it is at (UpdateExecuted: `Drained`).
At the start of an update every phase and step goes back to False / `NotYetOccurred`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..resources import MCNS, NODES, ResourceType
from ..store import Obj, Store
from .conditions import set_condition


class Condition(NamedTuple):
    """One MachineConfigNode condition change; reason None = the type's own reason (see reason_for)."""

    type: str
    status: str
    message: str
    reason: str | None = None


PHASES = (
    "UpdatePrepared",
    "UpdateExecuted",
    "UpdatePostActionComplete",
    "UpdateComplete",
    "Resumed",
    "Updated",
)
STEPS = {  # step → its parent phase
    "UpdateCompatible": "UpdatePrepared",  # v1alpha1 only (removed from v1)
    "Cordoned": "UpdateExecuted",
    "Drained": "UpdateExecuted",
    "AppliedFilesAndOS": "UpdateExecuted",
    "RebootedNode": "UpdatePostActionComplete",
    "Uncordoned": "UpdateComplete",
}
ALL_TYPES = (*PHASES, *STEPS, "NodeDegraded")
V1ALPHA1_ONLY = frozenset({"UpdateCompatible"})


def types_of(rt: ResourceType) -> tuple[str, ...]:
    """The condition types an MCN of this version carries."""
    return ALL_TYPES if rt.version == "v1alpha1" else tuple(t for t in ALL_TYPES if t not in V1ALPHA1_ONLY)


NOT_YET = "NotYetOccurred"


_OWN_REASON = {"RebootedNode"}  # the one step whose reason is not prefixed by its phase


def reason_for(ctype: str) -> str:
    parent = STEPS.get(ctype)
    return parent + ctype if parent and ctype not in _OWN_REASON else ctype


def new_mcn(node: Obj, pool: str, config: str, now: float, rt: ResourceType = MCNS) -> Obj:
    conditions: list[dict[str, Any]] = []
    for ctype in types_of(rt):
        set_condition(conditions, ctype, "False", NOT_YET, "This node has not yet entered this phase", now)
    set_condition(conditions, "Updated", "True", "Updated", f"Node {node['metadata']['name']} Updated", now)
    owner = {
        "apiVersion": NODES.api_version,
        "kind": NODES.kind,
        "name": node["metadata"]["name"],
        "uid": node["metadata"].get("uid", ""),
    }
    return {
        "apiVersion": rt.api_version,
        "kind": rt.kind,
        "metadata": {"name": node["metadata"]["name"], "ownerReferences": [owner]},
        "spec": {
            "node": {"name": node["metadata"]["name"]},
            "pool": {"name": pool},
            "configVersion": {"desired": config},
        },
        "status": {
            "configVersion": {"current": config, "desired": config},
            "conditions": conditions,
            "observedGeneration": 1,
        },
    }


class McnWriter:
    """Writes MachineConfigNodes of the release's version; with `rt` None (before 4.19) there are none."""

    def __init__(self, store: Store, rt: ResourceType | None = MCNS) -> None:
        self.store = store
        self.rt = rt

    def update(
        self,
        node: str,
        changes: list[Condition],
        *,
        desired: str | None = None,
        current: str | None = None,
        reset: bool = False,
    ) -> None:
        if self.rt is None or self.store.try_get(self.rt, node) is None:
            return
        rt = self.rt
        now = self.store.clock.now()

        def change(mcn: Obj) -> None:
            status = mcn.setdefault("status", {})
            conds = status.setdefault("conditions", [])
            if reset:
                for ctype in types_of(rt):
                    if ctype != "Updated":
                        set_condition(conds, ctype, "False", NOT_YET, "This node has not yet entered this phase", now)
            for ctype, cstatus, message, reason in changes:
                if ctype not in types_of(rt):
                    continue
                set_condition(conds, ctype, cstatus, reason or reason_for(ctype), message, now)
            version = status.setdefault("configVersion", {})
            if desired is not None:
                mcn["spec"].setdefault("configVersion", {})["desired"] = desired
                version["desired"] = desired
            if current is not None:
                version["current"] = current
            status["observedGeneration"] = mcn["metadata"].get("generation", 1)

        self.store.modify(rt, node, change)

    def set_pool(self, node: str, pool: str) -> None:
        if self.rt is None:
            return
        rt = self.rt
        mcn = self.store.try_get(rt, node)
        if mcn is None or mcn["spec"].get("pool", {}).get("name") == pool:
            return

        def change(obj: Obj) -> None:
            obj["spec"]["pool"] = {"name": pool}

        self.store.modify(rt, node, change)
