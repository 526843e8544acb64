"""Drain: evict every pod on a node except DaemonSet and mirror pods, honouring PDBs.

A blocked eviction is retried by the daemon every minute (every 5 minutes after 10 minutes);
after one hour the daemon reports the node Degraded with the MCO's own message.
"""

from __future__ import annotations

from ..pdb import EVICTION_BLOCKED_MESSAGE, blocking_pdb
from ..resources import PODS
from ..store import Obj, Store
from .workloads import PodIndex, Rescheduler, owner_kind

DRAIN_TIMEOUT = 3600.0
DRAIN_FAILING_THRESHOLD = 600.0  # after this, retries slow down and a DrainThresholdExceeded event is sent


def retry_interval(elapsed: float) -> float:
    return 60.0 if elapsed < DRAIN_FAILING_THRESHOLD else 300.0


def drain_timeout_message(node: str) -> str:
    return (
        f"failed to drain node: {node} after 1 hour. "
        "Please see machine-config-controller logs for more information"
    )


def _evictable(pod: Obj) -> bool:
    annotations = pod["metadata"].get("annotations") or {}
    return owner_kind(pod) != "DaemonSet" and "kubernetes.io/config.mirror" not in annotations


class Drainer:
    def __init__(self, store: Store, pods: PodIndex, rescheduler: Rescheduler) -> None:
        self.store = store
        self.pods = pods
        self.rescheduler = rescheduler

    def drain(self, node: str) -> list[str]:
        """Evict what can be evicted now; return one error line per pod still blocked."""
        blocked: list[str] = []
        for pod in self.pods.pods_on(self.store, node):
            if not _evictable(pod):
                continue
            meta = pod["metadata"]
            if blocking_pdb(self.store, pod) is not None:
                blocked.append(
                    f'error when evicting pods/"{meta["name"]}" -n "{meta["namespace"]}" '
                    f"(will retry after 5s): {EVICTION_BLOCKED_MESSAGE}"
                )
                continue
            self.store.delete(PODS, meta["name"], meta["namespace"])
            self.rescheduler.evicted(pod)
        return blocked
