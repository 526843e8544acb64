"""Best-effort Kubernetes Events about the objects we act on (visible in `oc describe`)."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime

from kubernetes.client import CoreV1Event, V1EventSource, V1ObjectMeta, V1ObjectReference

from reconciler.errors import ClusterError

from .api import MCO_GROUP, MCO_VERSION, KubeApi

log = logging.getLogger(__name__)
EVENT_NAMESPACE = "default"  # where events about cluster-scoped objects live
COMPONENT = "layering-reconciler"
_MCO_KINDS = ("MachineConfig", "MachineConfigPool", "MachineConfigNode")


def _api_version(kind: str) -> str:
    return f"{MCO_GROUP}/{MCO_VERSION}" if kind in _MCO_KINDS else "v1"


def _event(kind: str, name: str, reason: str, message: str, event_type: str,
           namespace: str | None = None) -> CoreV1Event:
    stamp = datetime.fromtimestamp(time.time(), tz=UTC)
    return CoreV1Event(
        api_version="v1",
        kind="Event",
        metadata=V1ObjectMeta(name=f"{name}.{uuid.uuid4().hex[:16]}", namespace=namespace or EVENT_NAMESPACE),
        involved_object=V1ObjectReference(kind=kind, name=name, namespace=namespace, api_version=_api_version(kind)),
        reason=reason,
        message=message[:1024],
        type=event_type,
        source=V1EventSource(component=COMPONENT),
        reporting_component=COMPONENT,
        first_timestamp=stamp,
        last_timestamp=stamp,
        count=1,
    )


def record_event(api: KubeApi, kind: str, name: str, reason: str, message: str, event_type: str,
                 namespace: str | None = None) -> None:
    """Never raises for cluster errors: an event that cannot be written is only logged. `namespace`:
    the involved object's (the event is written there); None for cluster-scoped objects."""
    try:
        api.write(
            f"{kind}/{name}",
            api.core.create_namespaced_event,
            namespace or EVENT_NAMESPACE,
            _event(kind, name, reason, message, event_type, namespace),
        )
    except ClusterError as exc:
        log.debug("event not recorded: %s", exc)
