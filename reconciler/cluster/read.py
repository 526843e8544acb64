"""Read the cluster into a LiveState: five list calls and one ConfigMap GET, nothing per object.

Without MachineConfigNodes, a node whose drain waits costs two more list calls (drain_blockers).
"""

from __future__ import annotations

from typing import Any

from kubernetes.client import PolicyV1Api

from reconciler.errors import Forbidden, NotFound
from reconciler.model import LiveState

from .api import MCO_GROUP, MCO_VERSION, KubeApi
from .nodes import drain_pending, node_states, pdb_blocks
from .parse import machine_config_info, meta, pool_state

Obj = dict[str, Any]
MCO_NAMESPACE = "openshift-machine-config-operator"
DRAIN_REASON_HIDDEN = ("draining; what blocks the drain is not visible: grant list on pods and poddisruptionbudgets "
                       "(deploy/optional/drain-reasons.yaml) to see the PodDisruptionBudget")
OSIMAGEURL_CONFIGMAP = "machine-config-osimageurl"


MCN_VERSIONS = (MCO_VERSION, "v1alpha1")  # v1 from 4.19; v1alpha1 in 4.15-4.18


def list_custom(api: KubeApi, plural: str, version: str = MCO_VERSION) -> list[Obj]:
    reply = api.read(plural, api.custom.list_cluster_custom_object, MCO_GROUP, version, plural)
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


def list_nodes(api: KubeApi) -> list[Obj]:
    return list(api.read("nodes", api.core.list_node).get("items") or [])


def read_osimageurl(api: KubeApi) -> tuple[str, str]:
    """(base image, release version) from the MCO's osimageurl ConfigMap; empty when it is missing."""
    subject = f"ConfigMap/{MCO_NAMESPACE}/{OSIMAGEURL_CONFIGMAP}"
    try:
        cm = api.read(subject, api.core.read_namespaced_config_map, OSIMAGEURL_CONFIGMAP, MCO_NAMESPACE)
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
    policy = PolicyV1Api(api.client)
    budgets = list(api.read("poddisruptionbudgets", policy.list_pod_disruption_budget_for_all_namespaces)
                   .get("items") or [])
    found: dict[str, str] = {}
    for name in waiting:
        pods = api.read("pods", api.core.list_pod_for_all_namespaces, field_selector=f"spec.nodeName={name}")
        reason = pdb_blocks(list(pods.get("items") or []), budgets)
        if reason:
            found[name] = reason
    return found


def read_live_state(api: KubeApi, now: float) -> LiveState:
    machine_configs = list_custom(api, "machineconfigs")
    pools = list_custom(api, "machineconfigpools")
    nodes = list_nodes(api)
    mcns = list_machine_config_nodes(api)
    base_image, release = read_osimageurl(api)
    blockers = drain_blockers(api, nodes, mcns)
    return assemble(machine_configs, pools, nodes, mcns, base_image, release, now, blockers)


def assemble(
    machine_configs: list[Obj],
    pools: list[Obj],
    nodes: list[Obj],
    mcns: dict[str, Obj],
    base_image: str,
    release: str,
    now: float,
    blockers: dict[str, str] | None = None,
) -> LiveState:
    """Pure: raw API objects to the model (`blockers`: drain_blockers, by node name)."""
    infos = tuple(sorted((machine_config_info(mc) for mc in machine_configs), key=lambda m: m.name))
    rendered_images = {m.name: m.os_image_url for m in infos}
    return LiveState(
        base_image=base_image,
        release_version=release,
        machine_configs=infos,
        pools=tuple(sorted((pool_state(p, rendered_images) for p in pools), key=lambda p: p.name)),
        nodes=tuple(sorted(node_states(nodes, pools, mcns, blockers or {}), key=lambda n: n.name)),
        observed_at=now,
    )
