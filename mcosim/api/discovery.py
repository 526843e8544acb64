"""`/version` and legacy API discovery (`/api`, `/apis`, `/api/v1`, `/apis/<group>/<version>`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..resources import RESOURCES, ResourceType

Obj = dict[str, Any]
STATUS_VERBS = ["get", "patch", "update"]


def version_info(version: str) -> Obj:
    major, minor = version.lstrip("v").split(".")[:2]
    return {
        "major": major, "minor": minor, "gitVersion": version,
        "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
        "buildDate": "2025-04-22T00:00:00Z", "goVersion": "go1.23.6", "compiler": "gc",
        "platform": "linux/amd64",
    }


def openshift_version_info(openshift_version: str) -> Obj:
    major, minor = openshift_version.split(".")[:2]
    return {"major": major, "minor": minor, "gitVersion": f"v{openshift_version}", "platform": "linux/amd64"}


def _group_versions(served: Sequence[ResourceType]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for rt in served:
        versions = groups.setdefault(rt.group, [])
        if rt.version not in versions:
            versions.append(rt.version)
    return groups


def api_versions(server_address: str) -> Obj:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def _api_group(name: str, versions: list[str]) -> Obj:
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": dict(entries[0])}


def api_group_list(served: Sequence[ResourceType] = RESOURCES) -> Obj:
    groups = [_api_group(name, versions) for name, versions in _group_versions(served).items() if name]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(name: str, served: Sequence[ResourceType] = RESOURCES) -> Obj | None:
    versions = _group_versions(served).get(name)
    if not name or versions is None:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_api_group(name, versions)}


def _resource_rows(rt: ResourceType) -> list[Obj]:
    main: Obj = {"name": rt.plural, "singularName": rt.singular_name, "namespaced": rt.namespaced,
                 "kind": rt.kind, "verbs": list(rt.verbs)}
    if rt.short_names:
        main["shortNames"] = list(rt.short_names)
    rows = [main]
    if rt.status_subresource:
        rows.append({"name": f"{rt.plural}/status", "singularName": "", "namespaced": rt.namespaced,
                     "kind": rt.kind, "verbs": STATUS_VERBS})
    if "token" in rt.extra_subresources:
        rows.append({"name": f"{rt.plural}/token", "singularName": "", "namespaced": rt.namespaced,
                     "group": "authentication.k8s.io", "version": "v1", "kind": "TokenRequest",
                     "verbs": ["create"]})
    if "eviction" in rt.extra_subresources:
        rows.append({"name": f"{rt.plural}/eviction", "singularName": "", "namespaced": rt.namespaced,
                     "group": "policy", "version": "v1", "kind": "Eviction", "verbs": ["create"]})
    return rows


def resource_list(group: str, version: str, served: Sequence[ResourceType] = RESOURCES) -> Obj | None:
    """`served`: what this cluster's release serves (no MachineConfigNodes before 4.19, say)."""
    types = [rt for rt in served if rt.group == group and rt.version == version]
    if not types:
        return None
    group_version = f"{group}/{version}" if group else version
    rows = [row for rt in types for row in _resource_rows(rt)]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": rows}
