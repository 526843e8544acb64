"""The `pods/eviction` subresource: delete a pod unless a PodDisruptionBudget forbids it."""

from __future__ import annotations

import math
from typing import Any

from ..errors import ApiError, bad_request
from ..resources import PDBS, PODS
from ..selectors import match_label_selector_object
from ..store import Store

Obj = dict[str, Any]
BLOCKED_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget."
SUCCESS: Obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


def _labels(obj: Obj) -> dict[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}


def _selects(pdb: Obj, pod: Obj, namespace: str) -> bool:
    """policy/v1: an empty selector matches every pod in the namespace, a missing one none."""
    selector = (pdb.get("spec") or {}).get("selector")
    return (pdb["metadata"].get("namespace") == namespace and pod["metadata"].get("namespace") == namespace
            and selector is not None and match_label_selector_object(selector, _labels(pod)))


def pod_is_healthy(pod: Obj) -> bool:
    status = pod.get("status") or {}
    if (pod.get("metadata") or {}).get("deletionTimestamp") or status.get("phase") != "Running":
        return False
    ready = [c for c in status.get("conditions") or [] if c.get("type") == "Ready"]
    return not ready or ready[0].get("status") == "True"


def _scaled(value: Any, total: int, round_up: bool) -> int:
    """An IntOrString budget value: an int, or "N%" of total."""
    if isinstance(value, str) and value.endswith("%"):
        share = total * int(value[:-1]) / 100
        return math.ceil(share) if round_up else math.floor(share)
    return int(value)


def _budget(pdb: Obj, pods: list[Obj]) -> tuple[int, int, int]:
    """(disruptions allowed, desired healthy, currently healthy) for a PDB over its matching pods."""
    spec, status = pdb.get("spec") or {}, pdb.get("status") or {}
    healthy = sum(1 for p in pods if pod_is_healthy(p))
    if "minAvailable" in spec:
        desired = _scaled(spec["minAvailable"], len(pods), round_up=True)
    elif "maxUnavailable" in spec:
        desired = max(0, len(pods) - _scaled(spec["maxUnavailable"], len(pods), round_up=True))
    else:
        desired = len(pods)
    if "disruptionsAllowed" in status:
        return int(status["disruptionsAllowed"]), int(status.get("desiredHealthy", desired)), \
            int(status.get("currentHealthy", healthy))
    return max(0, healthy - desired), desired, healthy


def too_many_requests(pdb_name: str, desired: int, healthy: int) -> ApiError:
    return ApiError(429, "TooManyRequests", BLOCKED_MESSAGE, {"causes": [{
        "reason": "DisruptionBudget",
        "message": f"The disruption budget {pdb_name} needs {desired} healthy pods "
                   f"and has {healthy} currently",
    }]})


def _check_body(body: Any, name: str, namespace: str) -> None:
    if not isinstance(body, dict):
        raise bad_request("eviction body must be a JSON object")
    if body.get("kind", "Eviction") != "Eviction":
        raise bad_request(f"expected kind Eviction, got {body.get('kind')!r}")
    meta = body.get("metadata") or {}
    if meta.get("name") not in (None, "", name):
        raise bad_request(f"name in URL does not match name in Eviction object: {name} vs {meta.get('name')}")
    if meta.get("namespace") not in (None, "", namespace):
        raise bad_request("the namespace of the provided object does not match the namespace sent "
                          "on the request")


def evict(store: Store, namespace: str, name: str, body: Any, dry_run: bool) -> Obj:
    """Delete the pod if its budgets allow (201 Status); raise 429 TooManyRequests when blocked."""
    _check_body(body, name, namespace)
    with store.lock:
        pod = store.get(PODS, name, namespace)
        budgets = [pdb for pdb in store.items(PDBS) if _selects(pdb, pod, namespace)]
        if len(budgets) > 1:
            raise ApiError(500, "InternalError",
                           "This pod has more than one PodDisruptionBudget, which the eviction subresource "
                           "does not support.")
        if budgets and pod_is_healthy(pod):
            _spend_budget(store, budgets[0], namespace, dry_run)
        store.delete(PODS, name, namespace, dry_run=dry_run)
    return dict(SUCCESS)


def _spend_budget(store: Store, pdb: Obj, namespace: str, dry_run: bool) -> None:
    pods = [pod for pod in store.items(PODS) if _selects(pdb, pod, namespace)]
    allowed, desired, healthy = _budget(pdb, pods)
    if allowed <= 0:
        raise too_many_requests(pdb["metadata"]["name"], desired, healthy)
    if dry_run or "disruptionsAllowed" not in (pdb.get("status") or {}):
        return

    def spend(obj: Obj) -> None:
        obj["status"]["disruptionsAllowed"] = allowed - 1

    store.modify(PDBS, pdb["metadata"]["name"], spend, namespace=namespace, subresource="status")
