"""Objects for a small simulated cluster, and how to run kubectl against it (API server tests)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mcosim.resources import MACHINE_CONFIGS, NAMESPACES, NODES, PDBS, PODS, POOLS
from mcosim.store import Store

MCO_NS = "openshift-machine-config-operator"
GROUP, VERSION = "machineconfiguration.openshift.io", "v1"


def node(name: str, role: str, ready: bool = True, unschedulable: bool = False) -> dict[str, Any]:
    info = {k: "x" for k in ("architecture", "bootID", "containerRuntimeVersion", "kernelVersion",
                             "kubeProxyVersion", "machineID", "operatingSystem", "systemUUID")}
    info.update(kubeletVersion="v1.29.5+29c9a2d", osImage="Red Hat Enterprise Linux CoreOS 416",
                architecture="amd64", operatingSystem="linux", kernelVersion="5.14.0-427.el9.x86_64",
                containerRuntimeVersion="cri-o://1.29.5")
    return {
        "metadata": {"name": name, "labels": {f"node-role.kubernetes.io/{role}": "",
                                              "kubernetes.io/hostname": name}},
        "spec": {"unschedulable": True} if unschedulable else {},
        "status": {
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
            "addresses": [{"type": "InternalIP", "address": "10.0.0.1"},
                          {"type": "Hostname", "address": name}],
            "nodeInfo": info,
            "capacity": {"cpu": "4", "memory": "16Gi", "pods": "250"},
            "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "250"},
        },
    }


def pod(name: str, node_name: str, labels: dict[str, str], namespace: str = "default") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"nodeName": node_name, "containers": [{"name": "main", "image": "registry/app:1"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [{"name": "main", "image": "registry/app:1", "imageID": "sha256:1",
                                          "ready": True, "restartCount": 0}]},
    }


def machine_config(name: str, role: str = "worker", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}", "kind": "MachineConfig",
        "metadata": {"name": name, "labels": {"machineconfiguration.openshift.io/role": role}},
        "spec": {"config": {"ignition": {"version": "3.4.0"}}, **spec},
    }


def pool(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {"machineConfigSelector": {"matchLabels": {"machineconfiguration.openshift.io/role": name}},
                 "nodeSelector": {"matchLabels": {f"node-role.kubernetes.io/{name}": ""}}, "paused": False},
        "status": {
            "configuration": {"name": f"rendered-{name}-abc"},
            "machineCount": 2, "readyMachineCount": 2, "updatedMachineCount": 2, "degradedMachineCount": 0,
            "conditions": [{"type": "Updated", "status": "True"}, {"type": "Updating", "status": "False"},
                           {"type": "Degraded", "status": "False"}],
            "observedGeneration": 1,
        },
    }


def seed(store: Store) -> None:
    for ns in ("default", MCO_NS, "kube-node-lease"):
        store.create(NAMESPACES, {"metadata": {"name": ns}})
    store.create(NODES, node("master-0", "master"))
    store.create(NODES, node("worker-0", "worker"))
    store.create(NODES, node("worker-1", "worker", ready=False, unschedulable=True))
    store.create(PODS, pod("web-0", "worker-0", {"app": "web"}))
    store.create(PODS, pod("web-1", "worker-1", {"app": "web"}))
    store.create(PODS, pod("db-0", "worker-0", {"app": "db"}))
    store.create(PDBS, {"metadata": {"name": "db", "namespace": "default"},
                        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "db"}}}})
    store.create(MACHINE_CONFIGS, machine_config("00-worker"))
    store.create(POOLS, pool("worker"))


Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def kubectl_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {**os.environ, "HOME": str(home), "KUBECACHEDIR": str(tmp_path / "kubecache")}
