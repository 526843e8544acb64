"""The starting state of the simulated cluster: a freshly installed OpenShift cluster of one release.

Three control-plane nodes (pool master) and N workers (pool worker), optional custom pools that
inherit worker, zones us-west-1a/b/c, the usual namespaces, base MachineConfigs and their rendered
configs, MachineConfigNodes (where the release has them), a few pods per node (some guarded by PDBs), node leases, the
osimageurl ConfigMap and ClusterVersion `version`. Everything is deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .bootstrap_pods import node_lease, node_pods, operator_pod, workload_pdbs, workload_pods
from .clock import rfc3339
from .mco import constants as c
from .mco.daemon import Progress
from .mco.mcn import new_mcn
from .mco.operator import MachineConfigOperator
from .mco.templates import pool_object, template_configs
from .registry import Registry, Release, label_digest
from .resources import (
    CLUSTER_VERSIONS,
    CONFIGMAPS,
    LEASES,
    MACHINE_CONFIGS,
    NAMESPACES,
    NODES,
    PDBS,
    PODS,
    POOLS,
)
from .store import Obj, Store

NAMESPACE_NAMES = (
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "openshift",
    "openshift-config",
    "openshift-config-managed",
    "openshift-machine-config-operator",
    "openshift-ingress",
    "openshift-monitoring",
    "openshift-dns",
    "openshift-kube-apiserver",
    "openshift-etcd",
)
ZONES = ("us-west-1a", "us-west-1b", "us-west-1c")
INSTALL_AGE = 3 * 86400.0  # the cluster was installed three days before the sim starts


@dataclass
class ClusterShape:
    masters: int = 3
    workers: int = 3
    pools: dict[str, int] = field(default_factory=dict)
    release: str = "4.16.3"
    max_unavailable: dict[str, int | str] = field(default_factory=dict)
    seed: int = 0


def populate(store: Store, registry: Registry, mco: MachineConfigOperator, shape: ClusterShape) -> None:
    release = registry.release(shape.release)
    for name in NAMESPACE_NAMES:
        store.create(NAMESPACES, {"metadata": {"name": name}, "status": {"phase": "Active"}})
    store.create(CONFIGMAPS, osimageurl_configmap(release))
    store.create(CLUSTER_VERSIONS, cluster_version(release, store.clock.now()))
    for role in ("master", "worker"):
        for mc in template_configs(role, release.base.ref, release.extensions.ref):
            store.create(MACHINE_CONFIGS, mc)
    pool_names = ["master", "worker", *sorted(shape.pools)]
    for name in pool_names:
        store.create(POOLS, pool_object(name, shape.max_unavailable.get(name)))
        mco.render.sync(name)
    nodes = _create_nodes(store, shape, release)
    for node, pool in nodes:
        _adopt(store, mco, node, pool, release)
    _create_workloads(store, shape, nodes)
    for name in pool_names:
        mco.nodes.sync(name)


def osimageurl_configmap(release: Release) -> Obj:
    return {
        "metadata": {"name": c.OSIMAGEURL_CONFIGMAP, "namespace": c.MCO_NAMESPACE},
        "data": {
            "releaseVersion": release.version,
            "baseOSContainerImage": release.base.ref,
            "baseOSExtensionsContainerImage": release.extensions.ref,
            "osImageURL": "",
        },
    }


def release_image(version: str) -> str:
    return f"quay.io/openshift-release-dev/ocp-release@{label_digest('release-' + version)}"


def cluster_version(release: Release, now: float) -> Obj:
    installed = rfc3339(now - INSTALL_AGE)
    return {
        "metadata": {"name": "version"},
        "spec": {
            "channel": "stable-" + ".".join(release.version.split(".")[:2]),
            "clusterID": "5e3b8f2c-6a1d-4f7e-9c0b-1d2e3f4a5b6c",
        },
        "status": {
            "desired": {"version": release.version, "image": release_image(release.version)},
            "history": [
                {
                    "state": "Completed",
                    "version": release.version,
                    "image": release_image(release.version),
                    "startedTime": installed,
                    "completionTime": installed,
                    "verified": False,
                }
            ],
            "observedGeneration": 1,
            "versionHash": label_digest("hash-" + release.version)[7:23],
            "conditions": [
                {
                    "type": "Available",
                    "status": "True",
                    "lastTransitionTime": installed,
                    "message": f"Done applying {release.version}",
                },
                {"type": "Failing", "status": "False", "lastTransitionTime": installed},
                {
                    "type": "Progressing",
                    "status": "False",
                    "lastTransitionTime": installed,
                    "message": f"Cluster version is {release.version}",
                },
            ],
        },
    }


def _node_names(shape: ClusterShape) -> list[tuple[str, str, str]]:
    """(name, ip, role) per node: masters, then workers, then each custom pool's nodes."""
    rng = random.Random(shape.seed)
    seen: set[str] = set()
    roles = ["master"] * shape.masters + ["worker"] * shape.workers
    for pool in sorted(shape.pools):
        roles += [pool] * shape.pools[pool]
    out = []
    for role in roles:
        while True:
            third = rng.randint(0, 95) if role == "master" else rng.randint(128, 255)
            ip = f"10.0.{third}.{rng.randint(2, 254)}"
            if ip not in seen:
                break
        seen.add(ip)
        out.append((f"ip-{ip.replace('.', '-')}.us-west-1.compute.internal", ip, role))
    return out


def _create_nodes(store: Store, shape: ClusterShape, release: Release) -> list[tuple[Obj, str]]:
    created = []
    now = store.clock.now()
    counters: dict[str, int] = {}
    for index, (name, ip, role) in enumerate(_node_names(shape)):
        position = counters.get(role, 0)
        counters[role] = position + 1
        zone = ZONES[position % len(ZONES)]
        pool = "master" if role == "master" else role
        rendered = store.get(POOLS, pool)["spec"]["configuration"]["name"]
        store.create(NODES, node_object(name, ip, role, zone, release, rendered, shape.seed))
        # backdate creation: nodes joined one minute apart after the install
        born = rfc3339(now - INSTALL_AGE + 60 * index)
        node = store.modify(NODES, name, _backdate(born))
        created.append((node, pool))
    return created


def _backdate(timestamp: str) -> Callable[[Obj], None]:
    def change(node: Obj) -> None:
        node["metadata"]["creationTimestamp"] = timestamp

    return change


def _adopt(store: Store, mco: MachineConfigOperator, node: Obj, pool: str, release: Release) -> None:
    name = node["metadata"]["name"]
    rendered = node["metadata"]["annotations"][c.CURRENT_CONFIG]
    if mco.mcn.rt is not None:  # MachineConfigNodes exist only on releases that serve them
        store.create(mco.mcn.rt, new_mcn(node, pool, rendered, store.clock.now(), mco.mcn.rt))
    mco.daemons.progress[name] = Progress(booted=release.base.ref, target=rendered)
    store.create(LEASES, node_lease(name, store.clock.now()))


def _create_workloads(store: Store, shape: ClusterShape, nodes: list[tuple[Obj, str]]) -> None:
    for node, _pool in nodes:
        for pod in node_pods(node):
            meta = pod["metadata"]
            while store.try_get(PODS, meta["name"], meta["namespace"]) is not None:  # suffix clash
                stem = meta["name"].rsplit("-", 1)[0]
                meta["name"] = f"{stem}-{label_digest(meta['name'])[7:12]}"
            store.create(PODS, pod)
    workers = [n for n, pool in nodes if pool != "master"]
    for pod in workload_pods(workers) + operator_pod([n for n, pool in nodes if pool == "master"]):
        store.create(PODS, pod)
    for pdb in workload_pdbs():
        store.create(PDBS, pdb)


def node_object(name: str, ip: str, role: str, zone: str, release: Release, rendered: str, seed: int) -> Obj:
    short = name.split(".")[0]
    roles = {"master": ("master", "control-plane")}.get(
        role, ("worker",) if role == "worker" else ("worker", role)
    )
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "beta.kubernetes.io/instance-type": "m6i.xlarge" if role != "master" else "m6i.2xlarge",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": short,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "m6i.xlarge" if role != "master" else "m6i.2xlarge",
        "node.openshift.io/os_id": "rhcos",
        "topology.ebs.csi.aws.com/zone": zone,
        "topology.kubernetes.io/region": "us-west-1",
        c.ZONE_LABEL: zone,
        **{c.NODE_ROLE_PREFIX + r: "" for r in roles},
    }
    annotations = {
        c.CURRENT_CONFIG: rendered,
        c.DESIRED_CONFIG: rendered,
        c.STATE: c.STATE_DONE,
        c.REASON: "",
        c.DESIRED_DRAIN: f"uncordon-{rendered}",
        c.LAST_APPLIED_DRAIN: f"uncordon-{rendered}",
        "machineconfiguration.openshift.io/controlPlaneTopology": "HighlyAvailable",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
    }
    spec: dict[str, Any] = {"providerID": f"aws:///{zone}/i-0{label_digest(f'{seed}{name}')[7:23]}"}
    if role == "master":
        spec["taints"] = [{"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"}]
    return {
        "metadata": {"name": name, "labels": labels, "annotations": annotations},
        "spec": spec,
        "status": _node_status(name, ip, role, release),
    }


def _node_status(name: str, ip: str, role: str, release: Release) -> dict[str, Any]:
    cpu, memory = ("8", "32386512Ki") if role == "master" else ("4", "16082272Ki")
    conditions = [
        {"type": t, "status": "False", "reason": f"KubeletHas{r}", "message": m}
        for t, r, m in (
            ("MemoryPressure", "SufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "NoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "SufficientPID", "kubelet has sufficient PID available"),
        )
    ] + [
        {
            "type": "Ready",
            "status": "True",
            "reason": "KubeletReady",
            "message": "kubelet is posting ready status",
        }
    ]
    uid = label_digest(name)[7:]
    return {
        "addresses": [
            {"type": "InternalIP", "address": ip},
            {"type": "Hostname", "address": name},
            {"type": "InternalDNS", "address": name},
        ],
        "capacity": {
            "cpu": cpu,
            "ephemeral-storage": "125293548Ki",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": memory,
            "pods": "250",
        },
        "allocatable": {
            "cpu": str(int(cpu) * 1000 - 500) + "m",
            "ephemeral-storage": "114396791822",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": memory,
            "pods": "250",
        },
        "conditions": conditions,
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {
            "architecture": "amd64",
            "bootID": f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:32]}",
            "containerRuntimeVersion": release.crio,
            "kernelVersion": release.kernel,
            "kubeProxyVersion": release.kubelet,
            "kubeletVersion": release.kubelet,
            "machineID": uid[32:64],
            "operatingSystem": "linux",
            "osImage": f"Red Hat Enterprise Linux CoreOS {release.rhcos_version} (Plow)",
            "systemUUID": f"ec2{uid[3:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:32]}",
        },
    }
