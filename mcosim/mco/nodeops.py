"""The writes a machine-config-daemon (and the kubelet) make to its Node object."""

from __future__ import annotations

import uuid

from ..clock import rfc3339
from ..resources import NODES
from ..store import Obj, Store
from . import constants as c

UNREACHABLE_TAINT = {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}


def set_annotations(store: Store, node: str, values: dict[str, str]) -> None:
    current = store.get(NODES, node)["metadata"].get("annotations") or {}
    if all(current.get(k) == v for k, v in values.items()):
        return

    def change(obj: Obj) -> None:
        obj["metadata"].setdefault("annotations", {}).update(values)

    store.modify(NODES, node, change)


def set_unschedulable(store: Store, node: str, value: bool) -> None:
    if bool(store.get(NODES, node)["spec"].get("unschedulable")) == value:
        return

    def change(obj: Obj) -> None:
        if value:
            obj["spec"]["unschedulable"] = True
        else:
            obj["spec"].pop("unschedulable", None)

    store.modify(NODES, node, change)


def set_ready(
    store: Store, node: str, ready: bool, *, os_image: str | None = None, kernel: str | None = None
) -> None:
    """Ready after a boot (new bootID, OS fields), or NotReady while it reboots."""
    now = rfc3339(store.clock.now())

    def change(obj: Obj) -> None:
        status = obj["status"]
        for cond in status.get("conditions") or []:
            if cond.get("type") != "Ready":
                continue
            cond.update(lastHeartbeatTime=now, lastTransitionTime=now)
            if ready:
                cond.update(status="True", reason="KubeletReady", message="kubelet is posting ready status")
            else:
                cond.update(
                    status="Unknown",
                    reason="NodeStatusUnknown",
                    message="Kubelet stopped posting node status.",
                )
        taints = [t for t in obj["spec"].get("taints") or [] if t.get("key") != UNREACHABLE_TAINT["key"]]
        if not ready:
            taints.append({**UNREACHABLE_TAINT, "timeAdded": now})
        if taints:
            obj["spec"]["taints"] = taints
        else:
            obj["spec"].pop("taints", None)
        if ready:
            info = status.setdefault("nodeInfo", {})
            info["bootID"] = str(uuid.uuid4())
            if os_image:
                info["osImage"] = os_image
            if kernel:
                info["kernelVersion"] = kernel

    store.modify(NODES, node, change)


def degrade(store: Store, node: str, reason: str) -> None:
    set_annotations(store, node, {c.STATE: c.STATE_DEGRADED, c.REASON: reason[:2000]})
