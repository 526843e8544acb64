"""Node faults that are plain cluster objects: a PDB that blocks one node's drain."""

from __future__ import annotations

from .bootstrap_pods import pod
from .resources import NAMESPACES, NODES, PDBS, PODS
from .store import Store

FAULT_NAMESPACE = "mcosim-faults"


def _short(node: str) -> str:
    return node.split(".")[0]


def block_drain(store: Store, node: str) -> None:
    """A pod pinned to `node` plus a PDB with maxUnavailable 0 over it: its eviction always fails."""
    target = store.get(NODES, node)
    if store.try_get(NAMESPACES, FAULT_NAMESPACE) is None:
        store.create(NAMESPACES, {"metadata": {"name": FAULT_NAMESPACE}, "status": {"phase": "Active"}})
    app = f"drain-blocker-{_short(node)}"
    if store.try_get(PODS, app, FAULT_NAMESPACE) is None:
        blocker = pod(
            app,
            FAULT_NAMESPACE,
            target,
            ["blocker"],
            labels={"app": app},
            owner=None,
            role="worker",
            started=store.clock.now(),
        )
        store.create(PODS, blocker)
    if store.try_get(PDBS, app, FAULT_NAMESPACE) is None:
        store.create(
            PDBS,
            {
                "metadata": {"name": app, "namespace": FAULT_NAMESPACE},
                "spec": {"maxUnavailable": 0, "selector": {"matchLabels": {"app": app}}},
            },
        )


def unblock_drain(store: Store, node: str) -> None:
    """Remove the blocking PDB (the pod stays and is evicted by the next drain attempt)."""
    name = f"drain-blocker-{_short(node)}"
    if store.try_get(PDBS, name, FAULT_NAMESPACE) is not None:
        store.delete(PDBS, name, FAULT_NAMESPACE)
