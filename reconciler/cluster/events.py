"""Best-effort Kubernetes Events about the objects we act on (visible in `oc describe`)."""

from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import UTC, datetime
from typing import Any

from reconciler.errors import ClusterError, NotFound

from .api import MCO_GROUP, MCO_VERSION, KubeApi, core
from .state import ensure_namespace

log = logging.getLogger(__name__)
# Events about cluster-scoped objects may live in any namespace; ours go to our own (api.namespace), so
# writing them needs no cluster-wide right (deploy/ grants `create` on events in that namespace only).
COMPONENT = "layering-reconciler"
_MCO_KINDS = ("MachineConfig", "MachineConfigPool", "MachineConfigNode")


def _api_version(kind: str) -> str:
    return f"{MCO_GROUP}/{MCO_VERSION}" if kind in _MCO_KINDS else "v1"


def _event(kind: str, name: str, reason: str, message: str, event_type: str, home: str,
           namespace: str | None = None) -> dict[str, Any]:
    import uuid  # (only writes send events: `plan` and `status` need not import it)

    stamp = datetime.fromtimestamp(time.time(), tz=UTC).isoformat()
    involved = {"kind": kind, "name": name, "apiVersion": _api_version(kind)}
    if namespace:
        involved["namespace"] = namespace
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{name}.{uuid.uuid4().hex[:16]}", "namespace": namespace or home},
        "involvedObject": involved,
        "reason": reason,
        "message": message[:1024],
        "type": event_type,
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
    }


class EventSender:
    """Events are POSTed by one background thread, in the order they were recorded, so a pass never
    waits for an Event before its next write. `close` sends what is still queued (bounded wait)."""

    def __init__(self, api: KubeApi, close_timeout: float = 5.0) -> None:
        self._api = api
        self._queue: queue.Queue[tuple[str, str, str, str, str, str | None] | None] = queue.Queue()
        self._close_timeout = close_timeout
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def send(self, kind: str, name: str, reason: str, message: str, event_type: str,
             namespace: str | None = None) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._drain, name="events", daemon=True)
                self._thread.start()
        self._queue.put((kind, name, reason, message, event_type, namespace))

    def _drain(self) -> None:
        while (item := self._queue.get()) is not None:
            try:
                record_event(self._api, *item)
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def flush(self) -> None:
        """Wait until every event recorded so far was sent (or given up)."""
        self._queue.join()

    def close(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(self._close_timeout)


def record_event(api: KubeApi, kind: str, name: str, reason: str, message: str, event_type: str,
                 namespace: str | None = None) -> None:
    """Never raises for cluster errors: an event that cannot be written is only logged. `namespace`:
    the involved object's (the event is written there); None for cluster-scoped objects."""
    def create() -> None:
        api.write(f"{kind}/{name}", "POST", core("events", namespace=namespace or api.namespace),
                  _event(kind, name, reason, message, event_type, api.namespace, namespace))

    try:
        try:
            create()
        except NotFound:  # our namespace does not exist yet (run outside a deploy/ install)
            if namespace not in (None, api.namespace):
                raise
            ensure_namespace(api)
            create()
    except ClusterError as exc:
        log.debug("event not recorded: %s", exc)
