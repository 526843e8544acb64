"""The docs' procedure over real HTTP: the kubernetes client, kubectl and the `sim` CLI commands."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kube_results import as_dict, meta, name_of, node_info
from kubernetes import client, config
from simmco_helpers import BAD_IMAGE, HOTFIX1, layer_mc
from testkit import kubectl_binary

from mcosim import SimConfig, Simulator
from mcosim.resources import CONFIGMAPS, POOLS

GROUP, VERSION = "machineconfiguration.openshift.io", "v1"
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Simulator, Path]]:
    sim = Simulator(SimConfig(clock="virtual", fast_forward=True, ff_max_speed=20000)).start()
    try:
        yield sim, sim.write_kubeconfig(tmp_path / "kubeconfig")
    finally:
        sim.stop()
        assert sim.engine.errors == []


def api_client(kubeconfig: Path) -> client.ApiClient:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=cfg)
    return client.ApiClient(cfg)


def wait_for(check: Any, seconds: float = 60.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def get_object(custom: client.CustomObjectsApi, plural: str, name: str) -> dict[str, Any]:
    return as_dict(custom.get_cluster_custom_object(GROUP, VERSION, plural, name))


def pool_condition(custom: client.CustomObjectsApi, pool: str, ctype: str) -> str | None:
    obj = get_object(custom, "machineconfigpools", pool)
    return next((c["status"] for c in obj["status"]["conditions"] if c["type"] == ctype), None)


def test_docs_procedure_with_the_kubernetes_client(served: tuple[Simulator, Path]) -> None:
    sim, kubeconfig = served
    api = api_client(kubeconfig)
    custom, core = client.CustomObjectsApi(api), client.CoreV1Api(api)
    workers = core.list_node(label_selector="node-role.kubernetes.io/worker=").items
    assert len(workers) == 3 and all(
        (node_info(n).os_image or "").startswith("Red Hat Enterprise Linux CoreOS") for n in workers
    )
    before = get_object(custom, "machineconfigpools", "worker")
    before_name = before["status"]["configuration"]["name"]
    custom.create_cluster_custom_object(GROUP, VERSION, "machineconfigs", layer_mc(HOTFIX1))

    def updated_to_new() -> bool:
        pool = get_object(custom, "machineconfigpools", "worker")
        name = pool["status"].get("configuration", {}).get("name")
        return (
            name != before_name
            and pool["status"]["updatedMachineCount"] == 3
            and pool_condition(custom, "worker", "Updated") == "True"
        )

    wait_for(updated_to_new)
    rendered = get_object(custom, "machineconfigpools", "worker")["status"]
    mc = get_object(custom, "machineconfigs", rendered["configuration"]["name"])
    assert mc["spec"]["osImageURL"] == HOTFIX1
    for node in workers:
        assert HOTFIX1 in sim.rpm_ostree_status(name_of(node))
    custom.delete_cluster_custom_object(GROUP, VERSION, "machineconfigs", "os-layer-custom")
    wait_for(
        lambda: (
            get_object(custom, "machineconfigpools", "worker")["status"]
            .get("configuration", {})
            .get("name")
            == before_name
            and pool_condition(custom, "worker", "Updated") == "True"
        )
    )


def test_unknown_digest_over_http_degrades_the_pool(served: tuple[Simulator, Path]) -> None:
    _, kubeconfig = served
    custom = client.CustomObjectsApi(api_client(kubeconfig))
    custom.create_cluster_custom_object(GROUP, VERSION, "machineconfigs", layer_mc(BAD_IMAGE))
    wait_for(lambda: pool_condition(custom, "worker", "Degraded") == "True")
    nodes = (
        client.CoreV1Api(api_client(kubeconfig))
        .list_node(label_selector="node-role.kubernetes.io/worker")
        .items
    )
    states = [(meta(n).annotations or {})["machineconfiguration.openshift.io/state"] for n in nodes]
    assert states.count("Degraded") == 1 and states.count("Done") == 2


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcosim", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        check=False,
    )


def test_cli_admin_commands(served: tuple[Simulator, Path]) -> None:
    sim, kubeconfig = served
    node = sim.nodes_of("worker")[0]
    shown = _cli("rpm-ostree-status", node, "--kubeconfig", str(kubeconfig))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(
        "State: idle\nDeployments:\n* ostree-unverified-registry:quay.io/openshift-"
    )
    assert _cli("fault", "reboot", node, "--kubeconfig", str(kubeconfig)).returncode == 0
    assert node in sim.mco.daemons.failing_reboots
    done = _cli("upgrade", "--to", "4.16.9", "--kubeconfig", str(kubeconfig))
    assert done.returncode == 0, done.stderr
    assert (
        sim.store.get(CONFIGMAPS, "machine-config-osimageurl", "openshift-machine-config-operator")["data"][
            "releaseVersion"
        ]
        == "4.16.9"
    )
    bad = _cli("upgrade", "--to", "9.9.9", "--kubeconfig", str(kubeconfig))
    assert bad.returncode == 1 and "unknown release 9.9.9" in bad.stderr


def test_sim_up_serves_until_terminated(tmp_path: Path) -> None:
    out = tmp_path / "k"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mcosim",
            "up",
            "--kubeconfig-out",
            str(out),
            "--speed",
            "50",
            "--pool",
            "infra=1",
            "--workers",
            "2",
        ],
        cwd=REPO,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("mcosim API at http://127.0.0.1:") and str(out) in line
        nodes = (
            client.CoreV1Api(api_client(out)).list_node(label_selector="node-role.kubernetes.io/infra").items
        )
        assert len(nodes) == 1
    finally:
        proc.terminate()
        proc.communicate(timeout=20)  # also closes the pipes
        assert proc.returncode == 0


def kubectl(kubeconfig: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "KUBECACHEDIR": str(home / "cache")}
    return subprocess.run(
        ["kubectl", "--kubeconfig", str(kubeconfig), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


@pytest.mark.kubectl
def test_docs_procedure_with_kubectl(served: tuple[Simulator, Path], tmp_path: Path) -> None:
    kubectl_binary()
    sim, kubeconfig = served
    mc_file = tmp_path / "mc.yaml"
    mc_file.write_text(
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n"
        "  labels:\n    machineconfiguration.openshift.io/role: worker\n  name: os-layer-custom\n"
        f"spec:\n  osImageURL: {HOTFIX1}\n"
    )
    before = sim.store.get(POOLS, "worker")["status"]["configuration"]["name"]
    created = kubectl(kubeconfig, tmp_path, "create", "-f", str(mc_file))
    assert (
        created.returncode == 0
        and "machineconfig.machineconfiguration.openshift.io/os-layer-custom created" in created.stdout
    ), created.stderr
    waited = kubectl(kubeconfig, tmp_path, "wait", "--for=condition=Updated", "mcp/worker", "--timeout=60s")
    assert waited.returncode == 0, waited.stderr
    wait_for(
        lambda: (
            sim.pool_updated("worker")
            and sim.store.get(POOLS, "worker")["status"]["configuration"]["name"] != before
        )
    )
    mcs = kubectl(kubeconfig, tmp_path, "get", "mc")
    assert "os-layer-custom" in mcs.stdout and mcs.stdout.count("rendered-worker-") == 2
    pools = kubectl(kubeconfig, tmp_path, "get", "mcp")
    assert pools.stdout.split("\n")[0].split() == [
        "NAME",
        "CONFIG",
        "UPDATED",
        "UPDATING",
        "DEGRADED",
        "MACHINECOUNT",
        "READYMACHINECOUNT",
        "UPDATEDMACHINECOUNT",
        "DEGRADEDMACHINECOUNT",
        "AGE",
    ]
    worker_row = next(line.split() for line in pools.stdout.splitlines() if line.startswith("worker"))
    assert worker_row[2:9] == ["True", "False", "False", "3", "3", "3", "0"]
    nodes = kubectl(kubeconfig, tmp_path, "get", "nodes")
    assert nodes.returncode == 0 and nodes.stdout.count(" Ready ") == 6
    deleted = kubectl(kubeconfig, tmp_path, "delete", "mc", "os-layer-custom")
    assert deleted.returncode == 0, deleted.stderr
    wait_for(
        lambda: (
            sim.store.get(POOLS, "worker")["status"]["configuration"]["name"] == before
            and sim.pool_updated("worker")
        )
    )
