"""The only writes we make to the MCO's objects: our own MachineConfigs, and a pool's spec.paused.

Our MachineConfig is wholly ours: an update replaces it with the desired body (that is how a hand
edit is corrected). Nothing here touches an MC without our managed-by label, a rendered MC, or a
pool's spec.configuration.
"""

from __future__ import annotations

from typing import Any

from reconciler import ourmc
from reconciler.errors import Conflict, Refused
from reconciler.model import MANAGED_BY_LABEL, MANAGED_BY_VALUE, DesiredMachineConfig

from .api import MCO_GROUP, MCO_VERSION, KubeApi, mco
from .parse import is_managed, meta
from .transport import MERGE_PATCH

Obj = dict[str, Any]
MACHINE_CONFIGS = "machineconfigs"
POOLS = "machineconfigpools"


def mc_subject(name: str) -> str:
    return f"MachineConfig/{name}"


def machine_config_body(mc: DesiredMachineConfig, resource_version: str = "") -> Obj:
    """The API object for a desired MC: our labels (managed-by always) and annotations only."""
    labels, annotations = ourmc.metadata(mc)
    metadata: Obj = {"name": mc.name, "labels": labels, "annotations": annotations}
    if resource_version:
        metadata["resourceVersion"] = resource_version
    return {
        "apiVersion": f"{MCO_GROUP}/{MCO_VERSION}",
        "kind": "MachineConfig",
        "metadata": metadata,
        "spec": {"osImageURL": mc.os_image_url},
    }


def _rv(obj: Obj) -> str:
    return str(meta(obj).get("resourceVersion", ""))


def create_machine_config(api: KubeApi, mc: DesiredMachineConfig) -> str:
    created = api.write(mc_subject(mc.name), "POST", mco(MACHINE_CONFIGS), machine_config_body(mc))
    return _rv(created)


def read_owned_machine_config(api: KubeApi, name: str, resource_version: str) -> Obj:
    """A fresh read that must show our label and the resourceVersion the caller decided from."""
    subject = mc_subject(name)
    live = api.read(subject, mco(MACHINE_CONFIGS, name))
    if not is_managed(live):
        raise Refused(
            f"{subject}: not managed by us (no {MANAGED_BY_LABEL}={MANAGED_BY_VALUE} label); left untouched",
            reason="NotManaged",
        )
    if resource_version and _rv(live) != resource_version:
        raise Conflict(
            f"{subject}: changed since it was read (resourceVersion {resource_version} is now "
            f"{_rv(live)}); re-read and decide again",
            409,
            "Conflict",
        )
    return live


def update_machine_config(api: KubeApi, mc: DesiredMachineConfig, resource_version: str) -> str:
    checked = _rv(read_owned_machine_config(api, mc.name, resource_version))
    replaced = api.write(mc_subject(mc.name), "PUT", mco(MACHINE_CONFIGS, mc.name),
                         machine_config_body(mc, checked))  # conditional on the version seen carrying our label
    return _rv(replaced)


def delete_machine_config(api: KubeApi, name: str, resource_version: str) -> None:
    checked = _rv(read_owned_machine_config(api, name, resource_version))
    preconditions = {"resourceVersion": checked} if checked else {}
    api.write(mc_subject(name), "DELETE", mco(MACHINE_CONFIGS, name), {"preconditions": preconditions})


def set_pool_paused(api: KubeApi, pool: str, paused: bool) -> None:
    """A merge patch of spec.paused alone."""
    api.write(f"MachineConfigPool/{pool}", "PATCH", mco(POOLS, pool), {"spec": {"paused": paused}},
              content_type=MERGE_PATCH)
