"""Pool membership and pool status (counts and conditions with the MCO's messages)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from ..releases import ReleaseShape
from ..resources import POOLS
from ..selectors import match_label_selector_object
from ..store import Obj, Store
from . import constants as c
from .conditions import find, set_condition
from .nodestate import NodeSummary

DEFAULT_POOLS = ("master", "worker")


class PoolIndex:
    """Which pool each node belongs to, kept incrementally (a custom pool beats worker; master beats all)."""

    def __init__(self) -> None:
        self.selectors: dict[str, dict[str, Any]] = {}
        self.pool_of: dict[str, str | None] = {}
        self.members: dict[str, set[str]] = {}
        self.node_labels: dict[str, dict[str, str]] = {}
        self._by_label: dict[str, list[str]] = {}  # a matchLabels key → pools whose selector needs it
        self._unindexed: list[str] = []  # pools selecting by expressions only

    def set_pools(self, pools: list[Obj]) -> bool:
        """Refresh the pools' nodeSelectors; True if membership had to be recomputed."""
        selectors = {p["metadata"]["name"]: (p.get("spec") or {}).get("nodeSelector") or {} for p in pools}
        if selectors == self.selectors:
            return False
        self.selectors = selectors
        self.members = {name: set() for name in selectors}
        self._index_selectors()
        for node, labels in list(self.node_labels.items()):
            self.pool_of[node] = None
            self._place(node, labels)
        return True

    def update_node(self, name: str, labels: dict[str, str] | None) -> tuple[str | None, str | None]:
        """Record a node's labels (None: deleted); returns (old pool, new pool)."""
        old = self.pool_of.pop(name, None)
        if old is not None:
            self.members.get(old, set()).discard(name)
        if labels is None:
            self.node_labels.pop(name, None)
            return old, None
        self.node_labels[name] = dict(labels)
        return old, self._place(name, labels)

    def _index_selectors(self) -> None:
        """Only pools whose first matchLabels key the node carries can select it: at 500 pools,
        placing a node must not test every selector."""
        self._by_label, self._unindexed = {}, []
        for pool, selector in self.selectors.items():
            keys = sorted(selector.get("matchLabels") or {})
            if keys:
                self._by_label.setdefault(keys[0], []).append(pool)
            elif selector:
                self._unindexed.append(pool)

    def _candidates(self, labels: dict[str, str]) -> list[str]:
        found = [pool for key in labels for pool in self._by_label.get(key, ())]
        return found + self._unindexed

    def _place(self, name: str, labels: dict[str, str]) -> str | None:
        matching = [p for p in self._candidates(labels) if match_label_selector_object(self.selectors[p], labels)]
        pool = _precedence(matching)
        self.pool_of[name] = pool
        if pool is not None:
            self.members.setdefault(pool, set()).add(name)
        return pool

    def nodes_of(self, pool: str) -> list[str]:
        return sorted(self.members.get(pool, ()))

    def nodes_with_role(self, role: str) -> list[str]:
        key = c.NODE_ROLE_PREFIX + role
        return sorted(n for n, labels in self.node_labels.items() if key in labels)


def _precedence(pools: list[str]) -> str | None:
    if not pools:
        return None
    if "master" in pools:
        return "master"
    custom = sorted(p for p in pools if p not in DEFAULT_POOLS)
    return custom[0] if custom else pools[0]


def max_unavailable(pool: Obj, count: int) -> int:
    raw = (pool.get("spec") or {}).get("maxUnavailable")
    if raw is None:
        value = 1
    elif isinstance(raw, str) and raw.endswith("%"):
        value = count * int(raw[:-1]) // 100
    else:
        value = int(raw)
    return value if value > 0 else 1


def compute_status(pool: Obj, nodes: list[NodeSummary], now: float, shape: ReleaseShape) -> dict[str, Any]:
    """The pool status the MCO would write for these member nodes."""
    spec = pool.get("spec") or {}
    target = (spec.get("configuration") or {}).get("name", "")
    old = pool.get("status") or {}
    updated = [n for n in nodes if n.updated(target)]
    ready = [n for n in updated if n.ready]
    degraded = [n for n in nodes if n.degraded]
    unavailable = [n for n in nodes if n.unavailable]
    status: dict[str, Any] = {
        "machineCount": len(nodes),
        "updatedMachineCount": len(updated),
        "readyMachineCount": len(ready),
        "unavailableMachineCount": len(unavailable),
        "degradedMachineCount": len(degraded),
        "observedGeneration": pool["metadata"].get("generation", 1),
        "certExpirys": cert_expirys(pool),
        "conditions": [dict(x) for x in old.get("conditions") or []],
    }
    if shape.pinned_images:
        status["poolSynchronizersStatus"] = [{
            "poolSynchronizerType": "PinnedImageSets",
            "machineCount": len(nodes),
            "updatedMachineCount": len(nodes),  # no PinnedImageSets: every node is in sync
            "readyMachineCount": len(ready),
            "unavailableMachineCount": len(unavailable),
            "availableMachineCount": len(nodes) - len(unavailable),
        }]
    all_updated = len(updated) == len(nodes) == len(ready) and not unavailable
    configuration = spec.get("configuration") if all_updated and target else old.get("configuration")
    if configuration is not None:
        status["configuration"] = configuration
    _set_update_conditions(status["conditions"], all_updated, bool(spec.get("paused")), target, now)
    _set_degraded_conditions(status["conditions"], degraded, now)
    return status


def _set_update_conditions(
    conds: list[dict[str, Any]], all_updated: bool, paused: bool, target: str, now: float
) -> None:
    if all_updated:
        set_condition(conds, "Updated", "True", "", f"All nodes are updated with MachineConfig {target}", now)
        set_condition(conds, "Updating", "False", "", "", now)
    elif paused:
        set_condition(conds, "Updated", "False", "", "", now)
        set_condition(
            conds, "Updating", "False", "", f"Pool is paused; will not update to MachineConfig {target}", now
        )
    else:
        set_condition(conds, "Updated", "False", "", "", now)
        set_condition(conds, "Updating", "True", "", f"All nodes are updating to MachineConfig {target}", now)


def _set_degraded_conditions(
    conds: list[dict[str, Any]], degraded: list[NodeSummary], now: float
) -> None:
    if degraded:
        message = ", ".join(
            f"Node {n.name} is reporting: {json.dumps(n.reason)}"
            for n in degraded
        )
        set_condition(
            conds,
            "NodeDegraded",
            "True",
            f"{len(degraded)} nodes are reporting degraded status on sync",
            message,
            now,
        )
    else:
        set_condition(conds, "NodeDegraded", "False", "", "", now)
    if find(conds, "RenderDegraded") is None:
        set_condition(conds, "RenderDegraded", "False", "", "", now)
    render = find(conds, "RenderDegraded") or {}
    node = find(conds, "NodeDegraded") or {}
    any_degraded = "True" if "True" in (render.get("status"), node.get("status")) else "False"
    set_condition(conds, "Degraded", any_degraded, "", "", now)  # no reason or message in any release


def cert_expirys(pool: Obj) -> list[dict[str, str]]:
    """The KubeAPIServerServingCAData signers the controller config lists (subjects and lifetimes derived)."""
    created = pool["metadata"].get("creationTimestamp") or "2025-01-01T00:00:00Z"
    start = datetime.fromisoformat(created.replace("Z", "+00:00"))
    signers = (("CN=admin-kubeconfig-signer,OU=openshift", 3650), ("CN=kube-apiserver-lb-signer,OU=openshift", 3650),
               ("CN=kube-apiserver-localhost-signer,OU=openshift", 3650))
    return [
        {"bundle": "KubeAPIServerServingCAData", "subject": subject,
         "expiry": (start + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")}
        for subject, days in signers
    ]


def write_status(store: Store, pool_name: str, status: dict[str, Any]) -> None:
    pool = store.get(POOLS, pool_name)
    if pool.get("status") == status:
        return

    def change(p: Obj) -> None:
        p["status"] = status

    store.modify(POOLS, pool_name, change, subresource="status")
