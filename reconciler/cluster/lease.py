"""The Lease that leader election runs on: read, create and replace one coordination.k8s.io/v1 Lease.

deploy/ creates the Lease (so RBAC can name it: get and update only); outside a cluster install
the first replica creates it.
"""

from __future__ import annotations

from typing import Any

from reconciler.errors import NotFound

from .api import KubeApi, Obj, path
from .parse import meta
from .port import REQUESTED_AT, LeaseRecord
from .state import ensure_namespace

DEFAULT_LEASE = "layering-reconciler"


class LeaseStore:
    """The Lease of leader election, in the reconciler's own namespace (api.namespace)."""

    def __init__(self, api: KubeApi, name: str = DEFAULT_LEASE) -> None:
        self._api = api
        self.name, self.namespace = name, api.namespace
        namespace = api.namespace
        self._subject = f"Lease/{namespace}/{name}"
        self._kept: dict[str, dict[str, str]] = {}  # labels and other annotations (a replace would drop them)

    def get(self) -> LeaseRecord | None:
        try:
            # sent once, like every leader-election request: the election's retry period is the retry
            obj = self._api.write(self._subject, "GET", self._path(self.name))
        except NotFound:
            return None
        return self._record(obj)

    def create(self, record: LeaseRecord) -> LeaseRecord:
        try:
            obj = self._api.write(self._subject, "POST", self._path(), self._body(record))
        except NotFound:  # no namespace yet (outside a cluster install)
            ensure_namespace(self._api)
            obj = self._api.write(self._subject, "POST", self._path(), self._body(record))
        return self._record(obj)

    def update(self, record: LeaseRecord) -> LeaseRecord:
        obj = self._api.write(self._subject, "PUT", self._path(self.name), self._body(record))
        return self._record(obj)

    def _path(self, name: str = "") -> str:
        return path("coordination.k8s.io", "v1", "leases", name, self.namespace)

    def _record(self, obj: Obj) -> LeaseRecord:
        spec: dict[str, Any] = obj.get("spec") or {}
        annotations = dict(meta(obj).get("annotations") or {})
        self._kept = {"labels": dict(meta(obj).get("labels") or {}), "annotations": annotations}
        return LeaseRecord(
            holder=str(spec.get("holderIdentity") or ""),
            duration_seconds=int(spec.get("leaseDurationSeconds") or 0),
            acquire_time=str(spec.get("acquireTime") or ""),
            renew_time=str(spec.get("renewTime") or ""),
            transitions=int(spec.get("leaseTransitions") or 0),
            requested_at=str(annotations.get(REQUESTED_AT, "")),
            resource_version=str(meta(obj).get("resourceVersion", "")),
        )

    def _body(self, record: LeaseRecord) -> Obj:
        annotations = {**self._kept.get("annotations", {})}
        if record.requested_at:
            annotations[REQUESTED_AT] = record.requested_at
        metadata: Obj = {"name": self.name, "namespace": self.namespace}
        if annotations:
            metadata["annotations"] = annotations
        if self._kept.get("labels"):
            metadata["labels"] = self._kept["labels"]
        if record.resource_version:
            metadata["resourceVersion"] = record.resource_version
        spec: Obj = {"holderIdentity": record.holder or None, "leaseDurationSeconds": record.duration_seconds,
                     "acquireTime": record.acquire_time or None, "renewTime": record.renew_time or None,
                     "leaseTransitions": record.transitions}
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata,
                "spec": {k: v for k, v in spec.items() if v is not None}}
