"""Printer columns of the kinds an install creates (kubectl's pkg/printers/internalversion/printers.go)."""

from __future__ import annotations

from typing import Any

from .columns import AGE, NAME, Cells, Column, Obj, _age, _get, _text

CREATED_AT = Column("Created At", "date", description="Timestamp is a timestamp representing the server time "
                    "when this object was created.")


def _count(value: Any) -> int:
    return len(value) if isinstance(value, dict | list) else 0


def _selector(selector: Any) -> str:
    """A label selector as kubectl prints it (matchLabels only; `<none>` when empty)."""
    labels = (selector.get("matchLabels") or {}) if isinstance(selector, dict) else {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "<none>"


def _namespace(obj: Obj, now: float) -> list[Any]:
    return [obj["metadata"]["name"], _text(_get(obj, "status", "phase")) or "Active", _age(obj, now)]


def _service_account(obj: Obj, now: float) -> list[Any]:
    return [obj["metadata"]["name"], _count(obj.get("secrets")), _age(obj, now)]


def _secret(obj: Obj, now: float) -> list[Any]:
    data = {**(obj.get("data") or {}), **(obj.get("stringData") or {})}
    return [obj["metadata"]["name"], obj.get("type") or "Opaque", len(data), _age(obj, now)]


def _config_map(obj: Obj, now: float) -> list[Any]:
    return [obj["metadata"]["name"], _count(obj.get("data")) + _count(obj.get("binaryData")), _age(obj, now)]


def _ports(spec: Obj) -> str:
    ports = [f"{p.get('port')}/{p.get('protocol') or 'TCP'}" for p in spec.get("ports") or [] if isinstance(p, dict)]
    return ",".join(ports) or "<none>"


def _service(obj: Obj, now: float) -> list[Any]:
    spec = obj.get("spec") or {}
    return [obj["metadata"]["name"], spec.get("type") or "ClusterIP", spec.get("clusterIP") or "<none>",
            ",".join(spec.get("externalIPs") or []) or "<none>", _ports(spec), _age(obj, now),
            ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items())) or "<none>"]


def _deployment(obj: Obj, now: float) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    containers = _get(spec, "template", "spec", "containers") or []
    replicas = spec.get("replicas", 1)
    return [obj["metadata"]["name"], f"{status.get('readyReplicas') or 0}/{replicas}",
            status.get("updatedReplicas") or 0, status.get("availableReplicas") or 0, _age(obj, now),
            ",".join(str(c.get("name")) for c in containers), ",".join(str(c.get("image")) for c in containers),
            _selector(spec.get("selector"))]


def _network_policy(obj: Obj, now: float) -> list[Any]:
    return [obj["metadata"]["name"], _selector(_get(obj, "spec", "podSelector")), _age(obj, now)]


def _role(obj: Obj, now: float) -> list[Any]:
    return [obj["metadata"]["name"], _text(_get(obj, "metadata", "creationTimestamp"))]


def _subjects(obj: Obj, kind: str) -> str:
    names = []
    for subject in obj.get("subjects") or []:
        if subject.get("kind") == kind:
            namespace = subject.get("namespace")
            names.append(f"{namespace}/{subject['name']}" if kind == "ServiceAccount" else subject["name"])
    return ", ".join(names)


def _binding(obj: Obj, now: float) -> list[Any]:
    ref = obj.get("roleRef") or {}
    return [obj["metadata"]["name"], f"{ref.get('kind')}/{ref.get('name')}", _age(obj, now),
            _subjects(obj, "User"), _subjects(obj, "Group"), _subjects(obj, "ServiceAccount")]


def _lease(obj: Obj, now: float) -> list[Any]:
    return [obj["metadata"]["name"], _text(_get(obj, "spec", "holderIdentity")), _age(obj, now)]


_BINDING_COLUMNS = [NAME, Column("Role"), AGE, Column("Users", priority=1), Column("Groups", priority=1),
                    Column("ServiceAccounts", priority=1)]

INSTALL_PRINTERS: dict[str, tuple[list[Column], Cells]] = {
    "Namespace": ([NAME, Column("Status"), AGE], _namespace),
    "ServiceAccount": ([NAME, Column("Secrets", "integer"), AGE], _service_account),
    "Secret": ([NAME, Column("Type"), Column("Data", "integer"), AGE], _secret),
    "ConfigMap": ([NAME, Column("Data", "integer"), AGE], _config_map),
    "Service": ([NAME, Column("Type"), Column("Cluster-IP"), Column("External-IP"), Column("Port(s)"), AGE,
                 Column("Selector", priority=1)], _service),
    "Deployment": ([NAME, Column("Ready"), Column("Up-to-date", "integer"), Column("Available", "integer"), AGE,
                    Column("Containers", priority=1), Column("Images", priority=1),
                    Column("Selector", priority=1)], _deployment),
    "NetworkPolicy": ([NAME, Column("Pod-Selector"), AGE], _network_policy),
    "Role": ([NAME, CREATED_AT], _role),
    "ClusterRole": ([NAME, CREATED_AT], _role),
    "RoleBinding": (_BINDING_COLUMNS, _binding),
    "ClusterRoleBinding": (_BINDING_COLUMNS, _binding),
    "Lease": ([NAME, Column("Holder"), AGE], _lease),
}
