"""PodDisruptionBudgets: the disruption controller's arithmetic and the eviction check.

Shared by the drain (in-process evictions) and by anything else that evicts pods, so both say
"blocked" for exactly the same cluster state. The numbers are computed live from the pods, and a
small controller copies them into each PDB's status the way the disruption controller does.
"""

from __future__ import annotations

import math
from typing import Any

from .resources import PDBS, PODS
from .selectors import match_label_selector_object
from .store import Obj, Store

EVICTION_BLOCKED_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget."


def is_healthy(pod: Obj) -> bool:
    status = pod.get("status") or {}
    if status.get("phase") != "Running" or pod["metadata"].get("deletionTimestamp"):
        return False
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    return ready is None or ready.get("status") == "True"


def _scaled(value: Any, total: int) -> int:
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(total * int(value[:-1]) / 100)
    return int(value)


def matching_pods(store: Store, pdb: Obj) -> list[Obj]:
    selector = (pdb.get("spec") or {}).get("selector")
    if selector is None:
        return []
    namespace = pdb["metadata"]["namespace"]
    pods, _ = store.list(PODS, namespace=namespace)
    return [p for p in pods if match_label_selector_object(selector, p["metadata"].get("labels") or {})]


def budget(store: Store, pdb: Obj) -> dict[str, int]:
    """expectedPods, currentHealthy, desiredHealthy and disruptionsAllowed for one PDB."""
    pods = matching_pods(store, pdb)
    expected = len(pods)
    healthy = sum(1 for p in pods if is_healthy(p))
    spec = pdb.get("spec") or {}
    if spec.get("maxUnavailable") is not None:
        desired = max(0, expected - _scaled(spec["maxUnavailable"], expected))
    elif spec.get("minAvailable") is not None:
        desired = _scaled(spec["minAvailable"], expected)
    else:
        desired = expected
    return {
        "expectedPods": expected,
        "currentHealthy": healthy,
        "desiredHealthy": desired,
        "disruptionsAllowed": max(0, healthy - desired),
    }


def blocking_pdb(store: Store, pod: Obj) -> Obj | None:
    """The first PDB that forbids evicting `pod` now, or None if the eviction is allowed."""
    namespace = pod["metadata"]["namespace"]
    labels = pod["metadata"].get("labels") or {}
    pdbs, _ = store.list(PDBS, namespace=namespace)
    for pdb in pdbs:
        selector = (pdb.get("spec") or {}).get("selector")
        if selector is None or not match_label_selector_object(selector, labels):
            continue
        if is_healthy(pod) and budget(store, pdb)["disruptionsAllowed"] <= 0:
            return pdb
    return None


def sync_budgets(store: Store, namespace: str) -> None:
    """Copy the live numbers into the status of every PDB in a namespace."""
    pdbs, _ = store.list(PDBS, namespace=namespace)
    for pdb in pdbs:
        numbers = budget(store, pdb)
        status = pdb.get("status") or {}
        if all(status.get(k) == v for k, v in numbers.items()):
            continue

        def write(obj: Obj, numbers: dict[str, int] = numbers) -> None:
            obj["status"] = {
                **(obj.get("status") or {}),
                **numbers,
                "observedGeneration": obj["metadata"].get("generation", 1),
            }

        store.modify(PDBS, pdb["metadata"]["name"], write, namespace=namespace, subresource="status")
