"""Server-side `Table` output (`kubectl get`): printer columns per kind, ages as kubectl shows them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .columns import (  # noqa: F401  (age_since and human_duration are part of this module's API)
    AGE,
    NAME,
    Cells,
    Column,
    Obj,
    _age,
    _condition,
    _get,
    _text,
    age_since,
    human_duration,
)
from .tables_install import INSTALL_PRINTERS

TABLE_MEDIA = "as=Table"


# ---- MachineConfig / MachineConfigPool / MachineConfigNode ---------------------------------------
_GENERATED_BY = "machineconfiguration.openshift.io/generated-by-controller-version"

MC_COLUMNS = [NAME, Column("GeneratedByController"), Column("IgnitionVersion"), Column("Age", "date")]


def _mc_cells(obj: Obj, now: float) -> list[Any]:
    annotations = _get(obj, "metadata", "annotations") or {}
    return [obj["metadata"]["name"], _text(annotations.get(_GENERATED_BY)),
            _text(_get(obj, "spec", "config", "ignition", "version")), _age(obj, now)]


MCP_COUNTS = ("machineCount", "readyMachineCount", "updatedMachineCount", "degradedMachineCount")
MCP_COLUMNS = [NAME, Column("Config"), Column("Updated"), Column("Updating"), Column("Degraded"),
               *(Column(c[0].upper() + c[1:], "number") for c in MCP_COUNTS), Column("Age", "date")]


def _mcp_cells(obj: Obj, now: float) -> list[Any]:
    status = obj.get("status") or {}
    counts = [status.get(c) for c in MCP_COUNTS]
    return [obj["metadata"]["name"], _text(_get(status, "configuration", "name")),
            *(_text(_condition(obj, t).get("status")) for t in ("Updated", "Updating", "Degraded")),
            *counts, _age(obj, now)]


# (column name, condition type) shown with -o wide
MCN_WIDE = (("UpdatePrepared", "UpdatePrepared"), ("UpdateExecuted", "UpdateExecuted"),
            ("UpdatePostActionComplete", "UpdatePostActionComplete"), ("UpdateComplete", "UpdateComplete"),
            ("Resumed", "Resumed"), ("UpdateCompatible", "UpdateCompatible"),
            ("UpdatedFilesAndOS", "AppliedFilesAndOS"), ("CordonedNode", "Cordoned"),
            ("DrainedNode", "Drained"), ("RebootedNode", "RebootedNode"),
            ("ReloadedCRIO", "ReloadedCRIO"), ("UncordonedNode", "Uncordoned"))
MCN_COLUMNS = [NAME, Column("PoolName"), Column("DesiredConfig"), Column("CurrentConfig"), Column("Updated"),
               Column("Age", "date"), *(Column(name, priority=1) for name, _ in MCN_WIDE)]


def _mcn_cells(obj: Obj, now: float) -> list[Any]:
    return [obj["metadata"]["name"], _text(_get(obj, "spec", "pool", "name")),
            _text(_get(obj, "spec", "configVersion", "desired")),
            _text(_get(obj, "status", "configVersion", "current")),
            _text(_condition(obj, "Updated").get("status")), _age(obj, now),
            *(_text(_condition(obj, ctype).get("status")) for _, ctype in MCN_WIDE)]


# ---- Node ----------------------------------------------------------------------------------------
NODE_COLUMNS = [NAME, Column("Status"), Column("Roles"), AGE, Column("Version"),
                Column("Internal-IP", priority=1), Column("External-IP", priority=1),
                Column("OS-Image", priority=1), Column("Kernel-Version", priority=1),
                Column("Container-Runtime", priority=1)]
_ROLE_PREFIX = "node-role.kubernetes.io/"


def node_status(obj: Obj) -> str:
    ready = _condition(obj, "Ready")
    status = "Unknown" if not ready else ("Ready" if ready.get("status") == "True" else "NotReady")
    if _get(obj, "spec", "unschedulable"):
        status += ",SchedulingDisabled"
    return status


def node_roles(obj: Obj) -> str:
    labels = _get(obj, "metadata", "labels") or {}
    roles = {k[len(_ROLE_PREFIX):] for k in labels if k.startswith(_ROLE_PREFIX) and k != _ROLE_PREFIX}
    if labels.get("kubernetes.io/role"):
        roles.add(labels["kubernetes.io/role"])
    return ",".join(sorted(roles)) or "<none>"


def _address(obj: Obj, kind: str) -> str:
    for addr in _get(obj, "status", "addresses") or []:
        if isinstance(addr, dict) and addr.get("type") == kind:
            return _text(addr.get("address"))
    return "<none>"


def _node_cells(obj: Obj, now: float) -> list[Any]:
    info = _get(obj, "status", "nodeInfo") or {}
    return [obj["metadata"]["name"], node_status(obj), node_roles(obj), _age(obj, now),
            _text(info.get("kubeletVersion")), _address(obj, "InternalIP"), _address(obj, "ExternalIP"),
            *(info.get(k) or "<unknown>" for k in ("osImage", "kernelVersion", "containerRuntimeVersion"))]


# ---- Pod -----------------------------------------------------------------------------------------
POD_COLUMNS = [NAME, Column("Ready"), Column("Status"), Column("Restarts"), AGE,
               Column("IP", priority=1), Column("Node", priority=1), Column("Nominated Node", priority=1),
               Column("Readiness Gates", priority=1)]


def _pod_cells(obj: Obj, now: float) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    statuses = status.get("containerStatuses") or []
    ready = sum(1 for s in statuses if s.get("ready"))
    restarts = sum(int(s.get("restartCount") or 0) for s in statuses)
    phase = status.get("reason") or status.get("phase") or "Pending"
    if _get(obj, "metadata", "deletionTimestamp"):
        phase = "Terminating"
    return [obj["metadata"]["name"], f"{ready}/{len(spec.get('containers') or [])}", phase, str(restarts),
            _age(obj, now), status.get("podIP") or "<none>", spec.get("nodeName") or "<none>",
            status.get("nominatedNodeName") or "<none>", "<none>"]


# ---- ClusterVersion ------------------------------------------------------------------------------
CV_COLUMNS = [NAME, Column("Version"), Column("Available"), Column("Progressing"), Column("Since", "date"),
              Column("Status")]


def _cv_cells(obj: Obj, now: float) -> list[Any]:
    progressing = _condition(obj, "Progressing")
    since = progressing.get("lastTransitionTime")
    return [obj["metadata"]["name"], _text(_get(obj, "status", "desired", "version")),
            _text(_condition(obj, "Available").get("status")), _text(progressing.get("status")),
            age_since(since, now) if since else "", _text(progressing.get("message"))]


GENERIC_COLUMNS = [NAME, AGE]


def _generic_cells(obj: Obj, now: float) -> list[Any]:
    return [obj["metadata"]["name"], _age(obj, now)]


PRINTERS: dict[str, tuple[list[Column], Cells]] = {
    **INSTALL_PRINTERS,
    "MachineConfig": (MC_COLUMNS, _mc_cells),
    "MachineConfigPool": (MCP_COLUMNS, _mcp_cells),
    "MachineConfigNode": (MCN_COLUMNS, _mcn_cells),
    "Node": (NODE_COLUMNS, _node_cells),
    "Pod": (POD_COLUMNS, _pod_cells),
    "ClusterVersion": (CV_COLUMNS, _cv_cells),
}


def wants_table(accept: str) -> bool:
    """True when the first acceptable media type asks for a meta.k8s.io Table."""
    first = accept.split(",")[0] if accept else ""
    return TABLE_MEDIA in first.replace(" ", "")


def _row_object(obj: Obj, include: str) -> Obj | None:
    if include == "None":
        return None
    if include == "Object":
        return obj
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata", {})}


def table(kind: str, objs: Iterable[Obj], now: float, resource_version: str, include: str = "Metadata",
          extra_meta: Obj | None = None) -> Obj:
    columns, cells = PRINTERS.get(kind, (GENERIC_COLUMNS, _generic_cells))
    rows = []
    for obj in objs:
        row: Obj = {"cells": cells(obj, now)}
        embedded = _row_object(obj, include)
        if embedded is not None:
            row["object"] = embedded
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": resource_version, **(extra_meta or {})},
            "columnDefinitions": [c.definition() for c in columns], "rows": rows}

