"""Clusters older than 4.19 have no v1 MachineConfigNodes: 4.15-4.18 serve v1alpha1, older ones none.

The stand-in server answers the few reads the adapter makes, and 404 for what it does not serve, like
an API server without that CRD version; the read must work from v1alpha1 MCNs or from annotations.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cluster_world import FAST, HOTFIX
from testkit import JsonHandler

from mcosim.kubeconfig import write_kubeconfig
from reconciler.cluster import Cluster

MCO = "machineconfiguration.openshift.io"
WORKER = {
    "metadata": {"name": "worker"},
    "spec": {
        "machineConfigSelector": {"matchLabels": {f"{MCO}/role": "worker"}},
        "nodeSelector": {"matchLabels": {"node-role.kubernetes.io/worker": ""}},
        "configuration": {"name": "rendered-worker-b"},
    },
    "status": {"configuration": {"name": "rendered-worker-b"}},
}
NODE: dict[str, Any] = {
    "metadata": {
        "name": "worker-0",
        "labels": {"node-role.kubernetes.io/worker": ""},
        "annotations": {
            f"{MCO}/currentConfig": "rendered-worker-a",
            f"{MCO}/desiredConfig": "rendered-worker-b",
            f"{MCO}/state": "Working",
            f"{MCO}/desiredDrain": "drain-rendered-worker-b",
            f"{MCO}/lastAppliedDrain": "drain-rendered-worker-b",
        },
    },
    "status": {"conditions": [{"type": "Ready", "status": "False"}]},
}
REPLIES: dict[str, tuple[int, dict[str, Any]]] = {
    f"/apis/{MCO}/v1/machineconfigs": (200, {"items": [
        {"metadata": {"name": "rendered-worker-b"}, "spec": {"osImageURL": HOTFIX}},
    ]}),
    f"/apis/{MCO}/v1/machineconfigpools": (200, {"items": [WORKER]}),
    "/api/v1/nodes": (200, {"items": [NODE]}),
    "/api/v1/namespaces/openshift-machine-config-operator/configmaps/machine-config-osimageurl": (
        200, {"data": {"baseOSContainerImage": "base", "releaseVersion": "4.16.3"}},
    ),
}
NOT_FOUND = {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404,
             "message": "the server could not find the requested resource"}


class _OldApi(JsonHandler):
    def do_GET(self) -> None:
        self.reply_json(*REPLIES.get(self.path.split("?")[0], (404, NOT_FOUND)))


@pytest.fixture
def old_cluster(tmp_path: Path) -> Iterator[Cluster]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OldApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        with Cluster.connect(str(tmp_path / "kubeconfig"), policy=FAST) as cluster:
            yield cluster
    finally:
        server.shutdown()
        server.server_close()


def test_reads_without_machine_config_nodes(old_cluster: Cluster) -> None:
    live = old_cluster.read_live(now=0.0)
    (node,) = live.nodes
    assert (node.pool, node.phase, node.ready) == ("worker", "rebooting", False)
    worker = live.pool("worker")
    assert worker is not None and worker.target_image == HOTFIX


MCN_V1ALPHA1 = {
    "metadata": {"name": "worker-0"},
    "spec": {"node": {"name": "worker-0"}, "pool": {"name": "worker"}},
    "status": {"conditions": [
        {"type": "UpdatePrepared", "status": "True"},
        {"type": "UpdateExecuted", "status": "Unknown"},
        {"type": "Cordoned", "status": "True"},
        {"type": "Drained", "status": "Unknown", "message": "Error: Node Drain has not succeeded. Error is: "
         "Cannot evict pod as it would violate the pod's disruption budget. The drain will not be complete "
         "until desired drainer drain-rendered-worker-b matches current drainer"},
    ]},
}


def test_reads_v1alpha1_machine_config_nodes(old_cluster: Cluster) -> None:
    draining = copy.deepcopy(NODE)  # ready and cordoned, its drain not yet applied
    draining["status"] = {"conditions": [{"type": "Ready", "status": "True"}]}
    draining["metadata"]["annotations"][f"{MCO}/lastAppliedDrain"] = ""
    served = {"/api/v1/nodes": (200, {"items": [draining]}),
              f"/apis/{MCO}/v1alpha1/machineconfignodes": (200, {"items": [MCN_V1ALPHA1]})}
    before = dict(REPLIES)
    REPLIES.update(served)
    try:
        (node,) = old_cluster.read_live(now=0.0).nodes
    finally:
        REPLIES.clear()
        REPLIES.update(before)
    assert node.phase == "draining"
    assert node.reason.startswith("Cannot evict pod")  # only the MachineConfigNode says why
