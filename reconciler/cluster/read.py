"""The reads a LiveState is made of: list calls per kind and the release's ConfigMap (selective.py
decides which are needed), and for the few nodes of a moving custom pool a list of each one's
MachineConfigNode. Without MachineConfigNodes, a node whose drain waits costs two more list calls
(drain_blockers).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reconciler.errors import Forbidden, NotFound

from .api import MCO_VERSION, KubeApi, core, mco, path
from .nodes import drain_pending, pdb_blocks
from .parse import meta

Obj = dict[str, Any]
MCO_NAMESPACE = "openshift-machine-config-operator"
DRAIN_REASON_HIDDEN = ("draining; what blocks the drain is not visible: grant list on pods and poddisruptionbudgets "
                       "(deploy/optional/drain-reasons.yaml) to see the PodDisruptionBudget")
OSIMAGEURL_CONFIGMAP = "machine-config-osimageurl"


MCN_VERSIONS = (MCO_VERSION, "v1alpha1")  # v1 from 4.19; v1alpha1 in 4.15-4.18


def list_custom(api: KubeApi, plural: str, version: str = MCO_VERSION) -> list[Obj]:
    reply = api.read(plural, mco(plural, version=version))
    return list(reply.get("items") or [])


def list_machine_config_nodes(api: KubeApi) -> dict[str, Obj]:
    """MachineConfigNodes by node name, at the newest version served; empty before 4.15 (none at all)."""
    for version in MCN_VERSIONS:
        try:
            items = list_custom(api, "machineconfignodes", version)
        except NotFound:
            continue
        return {str(meta(m).get("name", "")): m for m in items}
    return {}


def machine_config_nodes_of(api: KubeApi, nodes: Iterable[str]) -> dict[str, Obj]:
    """The MachineConfigNodes of these nodes (each named as its node) by node name: one list per node
    selecting it by name, at the newest version served (a version not served answers NotFound, a node
    without one an empty list)."""
    for version in MCN_VERSIONS:
        try:
            return {str(meta(m).get("name", "")): m for name in nodes for m in _machine_config_node(api, name, version)}
        except NotFound:
            continue
    return {}


def _machine_config_node(api: KubeApi, name: str, version: str) -> list[Obj]:
    query = {"fieldSelector": f"metadata.name={name}"}
    return list(api.read("machineconfignodes", mco("machineconfignodes", version=version), query).get("items") or [])


def list_nodes(api: KubeApi, label_selector: str | None = None) -> list[Obj]:
    """Every node, or those the label selector matches."""
    query = {"labelSelector": label_selector} if label_selector else None
    return list(api.read("nodes", core("nodes"), query).get("items") or [])


def read_osimageurl(api: KubeApi) -> tuple[str, str]:
    """(base image, release version) from the MCO's osimageurl ConfigMap; empty when it is missing."""
    subject = f"ConfigMap/{MCO_NAMESPACE}/{OSIMAGEURL_CONFIGMAP}"
    try:
        cm = api.read(subject, core("configmaps", OSIMAGEURL_CONFIGMAP, MCO_NAMESPACE))
    except NotFound:
        return "", ""
    data = cm.get("data") or {}
    return str(data.get("baseOSContainerImage") or ""), str(data.get("releaseVersion") or "")


def drain_blockers(api: KubeApi, nodes: list[Obj], mcns: dict[str, Obj]) -> dict[str, str]:
    """Why a requested drain waits, for nodes without a MachineConfigNode to say it (4.14-4.18 by default).

    Those releases only log the eviction error, so ask what it would be: a pod on the node that a
    PodDisruptionBudget allowing no disruption selects. Two list calls, made only while such a node drains.
    """
    waiting = [str(meta(n).get("name", "")) for n in nodes if drain_pending(n) and str(meta(n).get("name")) not in mcns]
    if not waiting:
        return {}
    if not _may_list_drain_blockers(api):  # an optional right (deploy/optional/drain-reasons.yaml)
        return dict.fromkeys(waiting, DRAIN_REASON_HIDDEN)
    try:
        return _pdb_reasons(api, waiting)
    except Forbidden:  # the right was taken away since it was asked
        api.allowed.clear()
        return dict.fromkeys(waiting, DRAIN_REASON_HIDDEN)


def _may_list_drain_blockers(api: KubeApi) -> bool:
    """Asked once per connection (SelfSubjectAccessReview), so a missing optional right costs no 403."""
    rights = (("", "pods"), ("policy", "poddisruptionbudgets"))
    return all(api.may("list", group, resource) for group, resource in rights)


def _pdb_reasons(api: KubeApi, waiting: list[str]) -> dict[str, str]:
    budgets = list(api.read("poddisruptionbudgets", path("policy", "v1", "poddisruptionbudgets")).get("items") or [])
    found: dict[str, str] = {}
    for name in waiting:
        pods = api.read("pods", core("pods"), {"fieldSelector": f"spec.nodeName={name}"})
        reason = pdb_blocks(list(pods.get("items") or []), budgets)
        if reason:
            found[name] = reason
    return found
