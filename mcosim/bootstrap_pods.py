"""Pods, PodDisruptionBudgets and node Leases of a fresh cluster (complete enough for real clients)."""

from __future__ import annotations

import hashlib
from typing import Any

from .clock import rfc3339
from .mco.workloads import ROLE_HINT
from .store import Obj

_IMAGE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:"


def _suffix(text: str, n: int = 5) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def _owner(kind: str, name: str) -> dict[str, Any]:
    api = "apps/v1"
    return {
        "apiVersion": api,
        "kind": kind,
        "name": name,
        "uid": _uid(kind + name),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _uid(text: str) -> str:
    h = hashlib.sha256(text.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def pod(
    name: str,
    namespace: str,
    node: Obj,
    containers: list[str],
    *,
    labels: dict[str, str],
    owner: dict[str, Any] | None,
    role: str,
    started: float = 0.0,
) -> Obj:
    ip = node["status"]["addresses"][0]["address"]
    when = rfc3339(started) if started else node["metadata"].get("creationTimestamp", "")
    meta: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "labels": labels,
        "annotations": {ROLE_HINT: role},
    }
    if owner:
        meta["ownerReferences"] = [owner]
    image = _IMAGE + hashlib.sha256(name.encode()).hexdigest()
    return {
        "metadata": meta,
        "spec": {
            "nodeName": node["metadata"]["name"],
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "serviceAccountName": labels.get("app", "default"),
            "priorityClassName": "system-node-critical",
            "containers": [
                {
                    "name": c,
                    "image": image,
                    "imagePullPolicy": "IfNotPresent",
                    "resources": {"requests": {"cpu": "10m", "memory": "50Mi"}},
                }
                for c in containers
            ],
        },
        "status": {
            "phase": "Running",
            "hostIP": ip,
            "podIP": ip,
            "startTime": when,
            "qosClass": "Burstable",
            "conditions": [
                {"type": t, "status": "True", "lastTransitionTime": when}
                for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            "containerStatuses": [
                {
                    "name": c,
                    "image": image,
                    "imageID": image,
                    "ready": True,
                    "restartCount": 0,
                    "started": True,
                    "containerID": f"cri-o://{hashlib.sha256((name + c).encode()).hexdigest()}",
                    "state": {"running": {"startedAt": when}},
                }
                for c in containers
            ],
        },
    }


def node_pods(node: Obj) -> list[Obj]:
    """DaemonSet pods every node runs (never evicted by a drain)."""
    name = node["metadata"]["name"]
    role = "master" if "node-role.kubernetes.io/master" in node["metadata"]["labels"] else "worker"
    return [
        pod(
            f"machine-config-daemon-{_suffix(name)}",
            "openshift-machine-config-operator",
            node,
            ["machine-config-daemon", "kube-rbac-proxy"],
            labels={"k8s-app": "machine-config-daemon"},
            owner=_owner("DaemonSet", "machine-config-daemon"),
            role=role,
        ),
        pod(
            f"node-exporter-{_suffix('ne' + name)}",
            "openshift-monitoring",
            node,
            ["node-exporter", "kube-rbac-proxy"],
            labels={"app.kubernetes.io/name": "node-exporter"},
            owner=_owner("DaemonSet", "node-exporter"),
            role=role,
        ),
    ]


def workload_pods(workers: list[Obj]) -> list[Obj]:
    """Two router replicas and two Prometheus replicas spread over the first workers."""
    out: list[Obj] = []
    if not workers:
        return out
    for i in range(2):
        out.append(
            pod(
                f"router-default-6d7c9f8b5-{_suffix('router' + str(i))}",
                "openshift-ingress",
                workers[i % len(workers)],
                ["router"],
                labels={
                    "app": "router-default",
                    "ingresscontroller.operator.openshift.io/deployment-ingresscontroller": "default",
                },
                owner=_owner("ReplicaSet", "router-default-6d7c9f8b5"),
                role="worker",
            )
        )
        out.append(
            pod(
                f"prometheus-k8s-{i}",
                "openshift-monitoring",
                workers[(i + 1) % len(workers)],
                ["prometheus", "config-reloader"],
                labels={"app": "prometheus-k8s", "app.kubernetes.io/name": "prometheus"},
                owner=_owner("StatefulSet", "prometheus-k8s"),
                role="worker",
            )
        )
    return out


def operator_pod(masters: list[Obj]) -> list[Obj]:
    """The machine-config-operator Deployment's one replica, on the first control-plane node."""
    if not masters:
        return []
    return [
        pod(
            f"machine-config-operator-7c9f6d8b4-{_suffix('mco')}",
            "openshift-machine-config-operator",
            masters[0],
            ["machine-config-operator", "kube-rbac-proxy"],
            labels={"k8s-app": "machine-config-operator"},
            owner=_owner("ReplicaSet", "machine-config-operator-7c9f6d8b4"),
            role="master",
        )
    ]


def workload_pdbs() -> list[Obj]:
    return [
        {
            "metadata": {"name": "router-default", "namespace": "openshift-ingress"},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "router-default"}}},
        },
        {
            "metadata": {"name": "prometheus-k8s", "namespace": "openshift-monitoring"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "prometheus-k8s"}}},
        },
    ]


def node_lease(node: str, now: float) -> Obj:
    return {
        "metadata": {"name": node, "namespace": "kube-node-lease"},
        "spec": {
            "holderIdentity": node,
            "leaseDurationSeconds": 40,
            "renewTime": rfc3339(now).replace("Z", ".000000Z"),
        },
    }
