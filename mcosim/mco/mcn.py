"""MachineConfigNode objects: one per node, mirroring the daemon's progress as conditions.

False = not yet, Unknown = in progress (or failed), True = done. A step's reason is its parent
phase's name followed by its own (`UpdateExecutedCordoned`); a phase's reason is its own name.
At the start of an update every phase and step goes back to False / `NotYetOccurred`.
"""

from __future__ import annotations

from typing import Any

from ..resources import MCNS, NODES
from ..store import Obj, Store
from .conditions import set_condition

PHASES = (
    "UpdatePrepared",
    "UpdateExecuted",
    "UpdatePostActionComplete",
    "UpdateComplete",
    "Resumed",
    "Updated",
)
STEPS = {  # step → its parent phase
    "Cordoned": "UpdateExecuted",
    "Drained": "UpdateExecuted",
    "AppliedFilesAndOS": "UpdateExecuted",
    "RebootedNode": "UpdatePostActionComplete",
    "Uncordoned": "UpdateComplete",
}
ALL_TYPES = (*PHASES, *STEPS, "NodeDegraded")
NOT_YET = "NotYetOccurred"


def reason_for(ctype: str) -> str:
    parent = STEPS.get(ctype)
    return parent + ctype if parent else ctype


def new_mcn(node: Obj, pool: str, config: str, now: float) -> Obj:
    conditions: list[dict[str, Any]] = []
    for ctype in ALL_TYPES:
        set_condition(conditions, ctype, "False", NOT_YET, "This node has not yet entered this phase", now)
    set_condition(conditions, "Updated", "True", "Updated", f"Node {node['metadata']['name']} Updated", now)
    owner = {
        "apiVersion": NODES.api_version,
        "kind": NODES.kind,
        "name": node["metadata"]["name"],
        "uid": node["metadata"].get("uid", ""),
    }
    return {
        "apiVersion": MCNS.api_version,
        "kind": MCNS.kind,
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
    def __init__(self, store: Store) -> None:
        self.store = store

    def set(self, node: str, ctype: str, status: str, message: str, reason: str | None = None) -> None:
        self.update(node, [(ctype, status, message, reason)])

    def update(
        self,
        node: str,
        changes: list[tuple[str, str, str, str | None]],
        *,
        desired: str | None = None,
        current: str | None = None,
        reset: bool = False,
    ) -> None:
        if self.store.try_get(MCNS, node) is None:
            return
        now = self.store.clock.now()

        def change(mcn: Obj) -> None:
            status = mcn.setdefault("status", {})
            conds = status.setdefault("conditions", [])
            if reset:
                for ctype in ALL_TYPES:
                    if ctype != "Updated":
                        set_condition(
                            conds, ctype, "False", NOT_YET, "This node has not yet entered this phase", now
                        )
            for ctype, cstatus, message, reason in changes:
                set_condition(conds, ctype, cstatus, reason or reason_for(ctype), message, now)
            version = status.setdefault("configVersion", {})
            if desired is not None:
                mcn["spec"].setdefault("configVersion", {})["desired"] = desired
                version["desired"] = desired
            if current is not None:
                version["current"] = current
            status["observedGeneration"] = mcn["metadata"].get("generation", 1)

        self.store.modify(MCNS, node, change)

    def set_pool(self, node: str, pool: str) -> None:
        mcn = self.store.try_get(MCNS, node)
        if mcn is None or mcn["spec"].get("pool", {}).get("name") == pool:
            return

        def change(obj: Obj) -> None:
            obj["spec"]["pool"] = {"name": pool}

        self.store.modify(MCNS, node, change)
