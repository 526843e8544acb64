"""kubectl, run as a subprocess, against the simulated API server."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from simapi_cluster import Kubectl, kubectl_env, machine_config
from testkit import kubectl_binary

from mcosim.clock import VirtualClock
from mcosim.resources import MACHINE_CONFIGS, PDBS, PODS, POOLS
from mcosim.store import Store

pytestmark = pytest.mark.kubectl

MCP_HEADER = ("NAME CONFIG UPDATED UPDATING DEGRADED MACHINECOUNT READYMACHINECOUNT UPDATEDMACHINECOUNT "
              "DEGRADEDMACHINECOUNT AGE")


def words(line: str) -> str:
    return " ".join(line.split())


def write_mc(tmp_path: Path, name: str, **spec: Any) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(machine_config(name, **spec)))
    return path


def test_get_mcp_prints_the_crd_printer_columns(kubectl: Kubectl, clock: VirtualClock) -> None:
    clock.advance(5 * 86400 + 3 * 3600)
    result = kubectl("get", "mcp")
    assert result.returncode == 0, result.stderr
    header, row = result.stdout.splitlines()
    assert words(header) == MCP_HEADER
    assert words(row) == "worker rendered-worker-abc True False False 2 2 2 0 5d3h"


def test_get_mc_and_mcn(kubectl: Kubectl) -> None:
    result = kubectl("get", "mc")
    assert result.returncode == 0, result.stderr
    assert words(result.stdout.splitlines()[0]) == "NAME GENERATEDBYCONTROLLER IGNITIONVERSION AGE"
    assert words(result.stdout.splitlines()[1]) == "00-worker 3.4.0 0s"
    empty = kubectl("get", "mcn")
    assert empty.returncode == 0, empty.stderr
    assert "No resources found" in empty.stderr


def test_get_nodes_shows_status_and_roles(kubectl: Kubectl) -> None:
    result = kubectl("get", "nodes")
    assert result.returncode == 0, result.stderr
    lines = [words(line) for line in result.stdout.splitlines()]
    assert lines[0] == "NAME STATUS ROLES AGE VERSION"
    assert lines[1] == "master-0 Ready master 0s v1.29.5+29c9a2d"
    assert lines[3] == "worker-1 NotReady,SchedulingDisabled worker 0s v1.29.5+29c9a2d"
    wide = kubectl("get", "nodes", "-o", "wide", "-l", "node-role.kubernetes.io/master")
    assert "INTERNAL-IP" in wide.stdout and "10.0.0.1" in wide.stdout and "worker" not in wide.stdout


def test_describe_mc(kubectl: Kubectl) -> None:
    result = kubectl("describe", "mc", "00-worker")
    assert result.returncode == 0, result.stderr
    assert "Name:         00-worker" in result.stdout
    assert "Events:" in result.stdout


def test_create_apply_and_server_side_apply(kubectl: Kubectl, tmp_path: Path, store: Store) -> None:
    path = write_mc(tmp_path, "99-worker-a", kernelArguments=["nosmt"])
    created = kubectl("create", "-f", str(path))
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "machineconfig.machineconfiguration.openshift.io/99-worker-a created"
    again = kubectl("create", "-f", str(path))
    assert again.returncode == 1 and "(AlreadyExists)" in again.stderr

    applied_path = write_mc(tmp_path, "99-worker-b", kernelArguments=["a"])
    assert "created" in kubectl("apply", "-f", str(applied_path)).stdout
    applied_path = write_mc(tmp_path, "99-worker-b", kernelArguments=["b"])
    changed = kubectl("apply", "-f", str(applied_path))
    assert changed.returncode == 0 and "configured" in changed.stdout, changed.stderr
    assert store.get(MACHINE_CONFIGS, "99-worker-b")["spec"]["kernelArguments"] == ["b"]
    assert "unchanged" in kubectl("apply", "-f", str(applied_path)).stdout

    ssa_path = write_mc(tmp_path, "99-worker-c", osImageURL="quay.io/x/y@sha256:" + "a" * 64)
    ssa = kubectl("apply", "--server-side", "-f", str(ssa_path))
    assert ssa.returncode == 0 and "serverside-applied" in ssa.stdout, ssa.stderr
    assert store.get(MACHINE_CONFIGS, "99-worker-c")["spec"]["osImageURL"].endswith("a" * 64)


def test_replace_with_a_stale_resource_version_conflicts(kubectl: Kubectl, tmp_path: Path,
                                                         store: Store) -> None:
    live = store.get(MACHINE_CONFIGS, "00-worker")
    stale = machine_config("00-worker", kernelArguments=["x"])
    stale["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
    store.modify(MACHINE_CONFIGS, "00-worker", lambda o: o["metadata"].setdefault("labels", {}).update(a="b"))
    path = tmp_path / "stale.json"
    path.write_text(json.dumps(stale))
    result = kubectl("replace", "-f", str(path))
    assert result.returncode == 1
    assert "Error from server (Conflict): error when replacing" in result.stderr
    assert "the object has been modified" in result.stderr


def test_patch_merge_works_and_strategic_gets_415(kubectl: Kubectl, store: Store) -> None:
    merged = kubectl("patch", "mc", "00-worker", "--type", "merge", "-p", '{"spec":{"fips":true}}')
    assert merged.returncode == 0, merged.stderr
    assert store.get(MACHINE_CONFIGS, "00-worker")["spec"]["fips"] is True
    strategic = kubectl("patch", "mc", "00-worker", "-p", '{"spec":{"fips":false}}')
    assert strategic.returncode == 1
    assert strategic.stderr.strip() == (
        "error: application/strategic-merge-patch+json is not supported by "
        "machineconfiguration.openshift.io/v1, Kind=MachineConfig: the body of the request was in an unknown "
        "format - accepted media types include: application/json-patch+json, application/merge-patch+json, "
        "application/apply-patch+yaml")


def test_delete_mc(kubectl: Kubectl, store: Store) -> None:
    result = kubectl("delete", "mc", "00-worker")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'machineconfig.machineconfiguration.openshift.io "00-worker" deleted'
    assert store.try_get(MACHINE_CONFIGS, "00-worker") is None
    missing = kubectl("delete", "mc", "nosuch")
    assert missing.returncode == 1
    assert missing.stderr.strip() == ('Error from server (NotFound): machineconfigs.machineconfiguration'
                                      '.openshift.io "nosuch" not found')


def test_invalid_mc_and_unknown_resource(kubectl: Kubectl, tmp_path: Path) -> None:
    path = write_mc(tmp_path, "99-worker-bad", osImageURL=42)
    result = kubectl("create", "-f", str(path))
    assert result.returncode == 1
    assert ('The MachineConfig "99-worker-bad" is invalid: spec.osImageURL: Invalid value: "integer": '
            'spec.osImageURL in body must be of type string: "integer"') in result.stderr
    unknown = kubectl("get", "nosuchthing")
    assert unknown.returncode == 1
    assert 'the server doesn\'t have a resource type "nosuchthing"' in unknown.stderr


def test_diff_exit_codes(kubectl: Kubectl, tmp_path: Path, store: Store) -> None:
    same = tmp_path / "same.json"
    same.write_text(json.dumps(machine_config("00-worker")))
    assert kubectl("apply", "-f", str(same)).returncode == 0
    assert kubectl("diff", "-f", str(same)).returncode == 0
    changed = write_mc(tmp_path, "00-worker", fips=True)
    result = kubectl("diff", "-f", str(changed))
    assert result.returncode == 1, result.stderr
    assert "+  fips: true" in result.stdout
    assert "fips" not in store.get(MACHINE_CONFIGS, "00-worker")["spec"]  # dry run only


def test_get_mcp_watch_prints_changes(kubeconfig: Path, tmp_path: Path, store: Store) -> None:
    command = [kubectl_binary(), "--kubeconfig", str(kubeconfig), "get", "mcp", "-w"]
    proc = subprocess.Popen(command, env=kubectl_env(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert words(proc.stdout.readline()) == MCP_HEADER
        assert proc.stdout.readline().startswith("worker")
        time.sleep(0.5)  # let the watch request arrive

        def degrade(obj: dict[str, Any]) -> None:
            obj["status"]["degradedMachineCount"] = 1

        store.modify(POOLS, "worker", degrade, subresource="status")
        assert words(proc.stdout.readline()) == "worker rendered-worker-abc True False False 2 2 2 1 0s"
    finally:
        proc.kill()
        proc.communicate()  # also closes the pipes


def test_wait_for_condition(kubectl: Kubectl, store: Store) -> None:
    def set_updated(status: str) -> None:
        def change(obj: dict[str, Any]) -> None:
            for cond in obj["status"]["conditions"]:
                if cond["type"] == "Updated":
                    cond["status"] = status
        store.modify(POOLS, "worker", change, subresource="status")

    set_updated("False")
    timer = threading.Timer(1.5, set_updated, args=("True",))
    timer.start()
    try:
        result = kubectl("wait", "--for=condition=Updated", "mcp/worker", "--timeout=30s")
    finally:
        timer.cancel()
    assert result.returncode == 0, result.stderr
    assert "condition met" in result.stdout
    set_updated("False")
    timed_out = kubectl("wait", "--for=condition=Updated", "mcp/worker", "--timeout=1s")
    assert timed_out.returncode == 1
    assert "timed out waiting for the condition" in timed_out.stderr


def test_drain_blocked_by_pdb_then_allowed(kubectl: Kubectl, store: Store) -> None:
    blocked = kubectl("drain", "worker-0", "--ignore-daemonsets", "--delete-emptydir-data", "--force",
                      "--timeout=1s")
    assert blocked.returncode == 1
    assert re.search(r'error when evicting pods/"db-0" -n "default"', blocked.stderr), blocked.stderr
    assert store.try_get(PODS, "web-0", "default") is None  # the unprotected pod was evicted
    assert store.try_get(PODS, "db-0", "default") is not None

    def relax(obj: dict[str, Any]) -> None:
        obj["spec"]["minAvailable"] = 0

    store.modify(PDBS, "db", relax, namespace="default")
    allowed = kubectl("drain", "worker-0", "--ignore-daemonsets", "--delete-emptydir-data", "--force",
                      "--timeout=20s")
    assert allowed.returncode == 0, allowed.stderr
    assert "node/worker-0 drained" in allowed.stdout
    assert store.try_get(PODS, "db-0", "default") is None
