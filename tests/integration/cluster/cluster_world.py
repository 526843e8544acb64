"""A small OpenShift-like world in the simulator's store, served over real HTTP."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcosim.api.server import ApiServer
from mcosim.clock import VirtualClock
from mcosim.kubeconfig import write_kubeconfig
from mcosim.resources import CONFIGMAPS, MACHINE_CONFIGS, MCNS, NAMESPACES, NODES, POOLS
from mcosim.store import Store
from reconciler.cluster import Cluster, RequestPolicy
from reconciler.cluster.connect import TransportChoice

MCO = "machineconfiguration.openshift.io"
ROLE = f"{MCO}/role"
BASE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "b" * 64
HOTFIX = "quay.io/my-registry/rhcos-hotfix@sha256:" + "1" * 64
STAMP = "2026-01-01T00:00:00Z"
FAST = RequestPolicy(connect_timeout=2.0, read_timeout=5.0, read_attempts=2, retry_delay=0.05)


def _pool(name: str, roles: list[str], target: str, current: str, paused: bool = False) -> dict[str, Any]:
    selector: dict[str, Any] = (
        {"matchLabels": {ROLE: roles[0]}}
        if len(roles) == 1
        else {"matchExpressions": [{"key": ROLE, "operator": "In", "values": roles}]}
    )
    return {
        "metadata": {"name": name},
        "spec": {
            "machineConfigSelector": selector,
            "nodeSelector": {"matchLabels": {f"node-role.kubernetes.io/{name}": ""}},
            "configuration": {"name": target},
            "paused": paused,
        },
        "status": {
            "configuration": {"name": current},
            "machineCount": 1,
            "updatedMachineCount": 1 if target == current else 0,
            "readyMachineCount": 1,
            "conditions": [{"type": "Updated", "status": "True" if target == current else "False"}],
        },
    }


def _node(name: str, roles: list[str], current: str, desired: str, **extra: Any) -> dict[str, Any]:
    annotations = {
        f"{MCO}/currentConfig": current,
        f"{MCO}/desiredConfig": desired,
        f"{MCO}/state": extra.pop("state", "Done"),
        **extra.pop("annotations", {}),
    }
    return {
        "metadata": {
            "name": name,
            "labels": {
                **{f"node-role.kubernetes.io/{r}": "" for r in roles},
                "topology.kubernetes.io/zone": "us-west-1a",
            },
            "annotations": annotations,
        },
        "spec": {"unschedulable": extra.pop("unschedulable", False)},
        "status": {"conditions": [{"type": "Ready", "status": extra.pop("ready", "True")}]},
    }


def _mc(name: str, image: str = "", role: str | None = None, generated: bool = False) -> dict[str, Any]:
    labels = {ROLE: role} if role else {}
    annotations = {f"{MCO}/generated-by-controller-version": "v4.16.3"} if generated else {}
    spec = {"osImageURL": image} if image else {}
    return {"metadata": {"name": name, "labels": labels, "annotations": annotations}, "spec": spec}


def bootstrap(store: Store) -> None:
    """master, worker (mid-rollout to a hotfix) and infra (inherits worker) pools with one node each."""
    for ns in ("default", "openshift-machine-config-operator"):
        store.create(NAMESPACES, {"metadata": {"name": ns}})
    store.create(CONFIGMAPS, {
        "metadata": {"name": "machine-config-osimageurl", "namespace": "openshift-machine-config-operator"},
        "data": {"baseOSContainerImage": BASE, "releaseVersion": "4.16.3", "osImageURL": ""},
    })
    for mc in (
        _mc("00-worker", BASE, "worker", generated=True),
        _mc("00-master", BASE, "master", generated=True),
        _mc("rendered-master-a", BASE, generated=True),
        _mc("rendered-worker-a", BASE, generated=True),
        _mc("rendered-worker-b", HOTFIX, generated=True),
        _mc("rendered-infra-a", BASE, generated=True),
        _mc("99-worker-hand-made", HOTFIX, "worker"),
    ):
        store.create(MACHINE_CONFIGS, mc)
    store.create(POOLS, _pool("master", ["master"], "rendered-master-a", "rendered-master-a"))
    store.create(POOLS, _pool("worker", ["worker"], "rendered-worker-b", "rendered-worker-a"))
    store.create(POOLS, _pool("infra", ["worker", "infra"], "rendered-infra-a", "rendered-infra-a"))
    store.create(NODES, _node("master-0", ["master"], "rendered-master-a", "rendered-master-a"))
    store.create(NODES, _node(
        "worker-0", ["worker"], "rendered-worker-a", "rendered-worker-b", state="Working", unschedulable=True,
        annotations={f"{MCO}/desiredDrain": "drain-rendered-worker-b",
                     f"{MCO}/lastAppliedDrain": "uncordon-rendered-worker-a"},
    ))
    store.create(NODES, _node("infra-0", ["worker", "infra"], "rendered-infra-a", "rendered-infra-a"))


@dataclass
class World:
    store: Store
    server: ApiServer
    kubeconfig: Path
    transport: TransportChoice = "auto"  # "client": the kubernetes client instead of the light transport

    def connect(self) -> Cluster:
        return Cluster.connect(str(self.kubeconfig), policy=FAST, transport=self.transport)


def start_world(tmp_path: Path, transport: TransportChoice = "auto") -> tuple[World, ApiServer]:
    store = Store(VirtualClock())
    bootstrap(store)
    server = ApiServer(store)
    server.start()
    kubeconfig = tmp_path / "kubeconfig"
    write_kubeconfig(kubeconfig, server.url)
    return World(store, server, kubeconfig, transport), server


def observed(world: World) -> None:
    """The pools' status reports their current generation, as the MCO's does."""
    with world.store.lock:
        for pool in world.store.items(POOLS):
            obj = copy.deepcopy(pool)
            obj["status"]["observedGeneration"] = obj["metadata"].get("generation", 1)
            world.store.update(POOLS, obj, subresource="status")


def add_machine_config_node(store: Store, node: str, pool: str, **conditions: str) -> None:
    store.create(MCNS, {
        "metadata": {"name": node},
        "spec": {"node": {"name": node}, "pool": {"name": pool}, "configVersion": {"desired": ""}},
        "status": {"conditions": [
            {"type": t, "status": s, "reason": "", "message": "", "lastTransitionTime": STAMP}
            for t, s in conditions.items()
        ]},
    })
