"""The reconciler's memory in the cluster: one JSON document in a ConfigMap.

Whatever must outlive a process (bake start, failed revisions, pools we paused) is kept here, so a
reconciler killed at any point resumes where it was. Writes carry the resourceVersion of the last
read, so two reconcilers cannot silently overwrite each other: the loser gets Conflict.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from reconciler.errors import ClusterError, Conflict, NotFound
from reconciler.model import MANAGED_BY_LABEL, MANAGED_BY_VALUE

from . import packing
from .api import KubeApi, core
from .parse import meta

STATE_CONFIGMAP = "layering-reconciler-state"
STATE_KEY = "state.json"
_LABELS = {MANAGED_BY_LABEL: MANAGED_BY_VALUE}


class Memory:
    """Load and save the document (in the reconciler's own namespace); remembers the resourceVersion
    it last saw."""

    def __init__(self, api: KubeApi) -> None:
        self._api = api
        self._namespace = api.namespace
        self._subject = f"ConfigMap/{self._namespace}/{STATE_CONFIGMAP}"
        self._resource_version: str | None = None  # None: never read; "": read, did not exist
        self._kept: dict[str, dict[str, str]] = {}  # labels/annotations others set (e.g. kubectl apply)

    def load(self) -> dict[str, Any]:
        try:
            cm = self._api.read(self._subject, self._path(STATE_CONFIGMAP))
        except NotFound:
            self._resource_version = ""
            return {}
        self._resource_version = str(meta(cm).get("resourceVersion", ""))
        self._kept = {k: dict(meta(cm).get(k) or {}) for k in ("labels", "annotations")}
        try:
            return _decode(packing.decode(cm), self._subject)
        except ValueError as exc:
            raise ClusterError(f"{self._subject}: {exc}; fix or delete the ConfigMap") from None

    def save(self, doc: dict[str, Any]) -> None:
        """Create the ConfigMap when the last load found none (or nothing was loaded), else replace it."""
        body = _config_map(packing.encode(doc), self._namespace, self._resource_version, self._kept)
        if self._resource_version:
            saved = self._api.write(self._subject, "PUT", self._path(STATE_CONFIGMAP), body)
        else:
            saved = self._create(body)
        self._resource_version = str(meta(saved).get("resourceVersion", ""))

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return self._create_config_map(body)
        except Conflict as exc:  # AlreadyExists: someone else wrote it since our read
            raise Conflict(
                f"{self._subject}: created by someone else since it was read; load it again",
                exc.status,
                exc.reason,
            ) from None
        except NotFound:
            self._ensure_namespace()
            return self._create_config_map(body)

    def _create_config_map(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._api.write(self._subject, "POST", self._path(), body)

    def _path(self, name: str = "") -> str:
        return core("configmaps", name, self._namespace)

    def _ensure_namespace(self) -> None:
        ensure_namespace(self._api)


def ensure_namespace(api: KubeApi) -> None:
    """Create our namespace (outside a cluster install, where deploy/ made it already)."""
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": api.namespace, "labels": dict(_LABELS)}}
    with contextlib.suppress(Conflict):  # created meanwhile: fine
        api.write(f"Namespace/{api.namespace}", "POST", core("namespaces"), namespace)


def _config_map(content: tuple[dict[str, str], dict[str, str]], namespace: str, resource_version: str | None,
                kept: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
    """The whole ConfigMap; labels and annotations read from it are kept (a replace would drop them)."""
    kept = kept or {}
    metadata: dict[str, Any] = {"name": STATE_CONFIGMAP, "namespace": namespace,
                                "labels": {**kept.get("labels", {}), **_LABELS}}
    if kept.get("annotations"):
        metadata["annotations"] = kept["annotations"]
    if resource_version:
        metadata["resourceVersion"] = resource_version
    body: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata,
                            "data": content[0]}  # a replace drops the other form, so one key is ever set
    if content[1]:
        body["binaryData"] = content[1]
    return body


def _decode(text: str | None, subject: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        doc = json.loads(text)
    except ValueError:
        raise ClusterError(f"{subject}: {STATE_KEY} is not valid JSON; fix or delete the ConfigMap") from None
    if not isinstance(doc, dict):
        raise ClusterError(f"{subject}: {STATE_KEY} must hold a JSON object")
    return doc
