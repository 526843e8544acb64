"""Kubernetes Event objects for the major MCO steps (what `oc get events` / `kubectl describe` show)."""

from __future__ import annotations

import itertools

from ..clock import rfc3339
from ..resources import EVENTS
from ..store import Obj, Store

_COMPONENTS = {"Node": "machineconfigdaemon", "MachineConfigPool": "machineconfigcontroller-nodecontroller"}


class EventRecorder:
    """Writes one Event per call into `default` (cluster-scoped objects' events live there)."""

    def __init__(self, store: Store, enabled: bool = True) -> None:
        self.store = store
        self.enabled = enabled
        self._seq = itertools.count(1)

    def __call__(self, obj: Obj, event_type: str, reason: str, message: str) -> None:
        if not self.enabled:
            return
        meta = obj["metadata"]
        kind = obj.get("kind", "")
        now = rfc3339(self.store.clock.now())
        seq = next(self._seq)
        self.store.create(
            EVENTS,
            {
                "metadata": {"name": f"{meta['name']}.{seq:016x}", "namespace": "default"},
                "involvedObject": {
                    "kind": kind,
                    "name": meta["name"],
                    "uid": meta.get("uid", ""),
                    "apiVersion": obj.get("apiVersion", ""),
                },
                "reason": reason,
                "message": message,
                "type": event_type,
                "source": {"component": _COMPONENTS.get(kind, "machine-config-operator")},
                "firstTimestamp": now,
                "lastTimestamp": now,
                "count": 1,
                "reportingComponent": _COMPONENTS.get(kind, "machine-config-operator"),
                "reportingInstance": "",
            },
        )
