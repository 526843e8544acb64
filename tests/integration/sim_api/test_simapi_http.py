"""Raw HTTP against the simulated API server: error bodies, tables, faults and the /sim/ endpoints."""

from __future__ import annotations

import http.client
import json
import socket
import struct
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from simapi_cluster import machine_config, seed

from mcosim.api import ApiFaults, ApiServer
from mcosim.clock import VirtualClock
from mcosim.resources import MACHINE_CONFIGS, NODES
from mcosim.store import Store

MCS = "/apis/machineconfiguration.openshift.io/v1/machineconfigs"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def request(server: ApiServer, method: str, path: str, body: Any = None,
            headers: dict[str, str] | None = None) -> tuple[int, Any]:
    conn = http.client.HTTPConnection(urlsplit(server.url).netloc, timeout=10)
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    conn.request(method, path, body=data, headers=headers or {})
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, raw


def test_malformed_json_is_a_400_status(server: ApiServer) -> None:
    code, body = request(server, "POST", MCS, b'{"metadata": {')
    assert code == 400
    assert body["kind"] == "Status" and body["reason"] == "BadRequest" and body["code"] == 400


def test_unknown_resource_is_a_404_status(server: ApiServer) -> None:
    code, body = request(server, "GET", "/apis/machineconfiguration.openshift.io/v1/nosuch")
    assert (code, body["reason"]) == (404, "NotFound")
    assert body["message"] == "the server could not find the requested resource"
    code, body = request(server, "GET", MCS + "/nosuch")
    assert code == 404
    assert body["message"] == 'machineconfigs.machineconfiguration.openshift.io "nosuch" not found'
    assert body["details"] == {"name": "nosuch", "group": "machineconfiguration.openshift.io",
                               "kind": "machineconfigs"}


def test_name_mismatch_and_missing_resource_version(server: ApiServer, store: Store) -> None:
    live = store.get(MACHINE_CONFIGS, "00-worker")
    code, body = request(server, "PUT", MCS + "/other", live)
    assert code == 400 and "does not match the name on the URL" in body["message"]
    without_rv = machine_config("00-worker")
    code, body = request(server, "PUT", MCS + "/00-worker", without_rv)
    assert code == 422 and body["details"]["causes"][0]["field"] == "metadata.resourceVersion"


@pytest.mark.parametrize(("spec", "field"), [
    ({"kernelArguments": "nosmt"}, "spec.kernelArguments"),
    ({"extensions": ["usbguard", 3]}, "spec.extensions[1]"),
    ({"fips": "yes"}, "spec.fips"),
    ({"kernelType": 1}, "spec.kernelType"),
    ({"config": []}, "spec.config"),
])
def test_invalid_machine_config_is_422_with_causes(server: ApiServer, spec: dict[str, Any],
                                                   field: str) -> None:
    code, body = request(server, "POST", MCS, machine_config("99-bad", **spec))
    assert code == 422 and body["reason"] == "Invalid"
    assert body["details"]["kind"] == "MachineConfig" and body["details"]["name"] == "99-bad"
    assert [c["field"] for c in body["details"]["causes"]] == [field]


def test_bad_names_and_unknown_fields(server: ApiServer, store: Store) -> None:
    code, body = request(server, "POST", MCS, machine_config("Bad_Name"))
    assert code == 422 and body["details"]["causes"][0]["field"] == "metadata.name"
    typo = machine_config("99-typo", kernelArgs=["a"])
    code, body = request(server, "POST", MCS + "?fieldValidation=Strict", typo)
    assert code == 400 and 'unknown field "spec.kernelArgs"' in body["message"]
    code, body = request(server, "POST", MCS, machine_config("99-pruned", kernelArgs=["a"]))
    assert code == 201 and "kernelArgs" not in store.get(MACHINE_CONFIGS, "99-pruned")["spec"]


def test_delete_tolerates_a_protobuf_body(server: ApiServer, store: Store) -> None:
    protobuf = b"k8s\x00\n\x0b\x0a\x02v1"
    code, body = request(server, "DELETE", "/api/v1/namespaces/default/pods/web-0", protobuf,
                         {"Content-Type": "application/vnd.kubernetes.protobuf"})
    assert code == 200 and body["metadata"]["name"] == "web-0"


def test_tables_for_nodes_pods_and_generic_kinds(server: ApiServer, clock: VirtualClock) -> None:
    clock.advance(150)
    code, table = request(server, "GET", "/api/v1/nodes", headers={"Accept": TABLE})
    assert code == 200 and table["kind"] == "Table"
    names = [c["name"] for c in table["columnDefinitions"]]
    assert names[:5] == ["Name", "Status", "Roles", "Age", "Version"]
    assert table["rows"][2]["cells"][:4] == ["worker-1", "NotReady,SchedulingDisabled", "worker", "2m30s"]
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    _, full = request(server, "GET", "/api/v1/nodes?includeObject=Object", headers={"Accept": TABLE})
    assert full["rows"][0]["object"]["kind"] == "Node"
    _, pods = request(server, "GET", "/api/v1/namespaces/default/pods/web-0", headers={"Accept": TABLE})
    assert pods["rows"][0]["cells"][:4] == ["web-0", "1/1", "Running", "0"]
    _, namespaces = request(server, "GET", "/api/v1/namespaces", headers={"Accept": TABLE})
    assert [c["name"] for c in namespaces["columnDefinitions"]] == ["Name", "Status", "Age"]
    assert namespaces["rows"][0]["cells"][1] == "Active"
    _, events = request(server, "GET", "/api/v1/events", headers={"Accept": TABLE})  # a generic kind
    assert [c["name"] for c in events["columnDefinitions"]] == ["Name", "Age"]


def test_discovery_marks_eviction_and_status_rows(server: ApiServer) -> None:
    _, core = request(server, "GET", "/api/v1")
    rows = {r["name"]: r for r in core["resources"]}
    assert rows["pods/eviction"]["group"] == "policy" and rows["pods/eviction"]["kind"] == "Eviction"
    assert rows["pods"]["namespaced"] is True and rows["nodes"]["namespaced"] is False
    assert rows["nodes/status"]["kind"] == "Node"
    _, root = request(server, "GET", "/openapi/v3")
    url = root["paths"]["apis/machineconfiguration.openshift.io/v1"]["serverRelativeURL"]
    _, doc = request(server, "GET", url)
    ops = [p["patch"] for p in doc["paths"].values()]
    assert {op["x-kubernetes-group-version-kind"]["kind"] for op in ops} == {
        "MachineConfig", "MachineConfigPool", "MachineConfigNode"}
    assert all(any(p["name"] == "fieldValidation" for p in op["parameters"]) for op in ops)
    code, _ = request(server, "GET", "/openapi/v2")
    assert code == 404


# ---- faults and /sim/ ----------------------------------------------------------------------------
@pytest.fixture
def faulty() -> Iterator[ApiServer]:
    store = Store(VirtualClock())
    seed(store)
    calls: list[tuple[str, str, dict[str, str], Any]] = []

    def admin(method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        calls.append((method, path, query, body))
        return 202, {"seen": path}

    server = ApiServer(store, admin=admin, faults=ApiFaults(seed=7))
    server.admin_calls = calls  # type: ignore[attr-defined]
    server.start()
    yield server
    server.stop()


def test_fault_rules_hit_only_their_verb_and_resource(faulty: ApiServer) -> None:
    faulty.faults.add(verb="patch", resource="machineconfigs", status=500)
    code, body = request(faulty, "PATCH", MCS + "/00-worker", {"spec": {"fips": True}},
                         {"Content-Type": "application/merge-patch+json"})
    assert (code, body["reason"]) == (500, "InternalError")
    assert request(faulty, "GET", MCS + "/00-worker")[0] == 200
    faulty.faults.clear()
    assert request(faulty, "PATCH", MCS + "/00-worker", {"spec": {"fips": True}},
                   {"Content-Type": "application/merge-patch+json"})[0] == 200


def test_fault_rates_are_deterministic_with_a_seed() -> None:
    def outcomes(seed: int) -> list[bool]:
        faults = ApiFaults(seed=seed)
        faults.add(resource="nodes", status=429, rate=0.5)
        return [faults.decide("get", "nodes").error is not None for _ in range(40)]

    assert outcomes(3) == outcomes(3)
    assert 5 < sum(outcomes(3)) < 35


def test_faults_over_http_latency_and_drops(faulty: ApiServer) -> None:
    code, rule = request(faulty, "POST", "/sim/faults", {"verb": "list", "resource": "nodes", "latency": 0.3})
    assert code == 201 and rule["latency"] == 0.3
    started = time.monotonic()
    assert request(faulty, "GET", "/api/v1/nodes")[0] == 200
    assert time.monotonic() - started >= 0.3
    request(faulty, "POST", "/sim/faults", {"verb": "get", "resource": "nodes", "drop": True})
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        request(faulty, "GET", "/api/v1/nodes/worker-0")
    assert request(faulty, "DELETE", "/sim/faults")[0] == 200
    assert faulty.faults.rules == []
    assert request(faulty, "GET", "/api/v1/nodes/worker-0")[0] == 200
    code, body = request(faulty, "POST", "/sim/faults", {"status": 418})
    assert code == 400 and "418" in body["message"]


def test_429_fault_carries_retry_after(faulty: ApiServer) -> None:
    faulty.faults.add(resource="machineconfigs", status=429)
    conn = http.client.HTTPConnection(urlsplit(faulty.url).netloc, timeout=10)
    conn.request("GET", MCS)
    response = conn.getresponse()
    assert response.status == 429 and response.getheader("Retry-After") == "1"
    conn.close()


def test_sim_paths_go_to_the_admin_handler_and_are_never_faulted(faulty: ApiServer,
                                                                 server: ApiServer) -> None:
    faulty.faults.add(status=500)
    code, body = request(faulty, "POST", "/sim/upgrade?to=4.16.9", {"x": 1})
    assert (code, body) == (202, {"seen": "/sim/upgrade"})
    calls = faulty.admin_calls  # type: ignore[attr-defined]
    assert calls == [("POST", "/sim/upgrade", {"to": "4.16.9"}, {"x": 1})]
    assert request(server, "GET", "/sim/anything")[0] == 404  # no admin handler


def test_stop_ends_open_watches(store: Store) -> None:
    server = ApiServer(store)
    server.start()
    conn = http.client.HTTPConnection(urlsplit(server.url).netloc, timeout=10)
    conn.request("GET", "/api/v1/nodes?watch=true")
    response = conn.getresponse()
    assert json.loads(response.readline())["type"] == "ADDED"
    started = time.monotonic()
    server.stop()
    response.read()  # returns once the stream is closed
    assert time.monotonic() - started < 3
    conn.close()


def test_listing_many_nodes_reuses_cached_encodings(server: ApiServer, store: Store) -> None:
    template = store.get(NODES, "worker-0")
    for i in range(300):
        clone = json.loads(json.dumps(template))
        clone["metadata"] = {"name": f"extra-{i:03d}", "labels": template["metadata"]["labels"]}
        store.create(NODES, clone)
    code, first = request(server, "GET", "/api/v1/nodes")
    assert code == 200 and len(first["items"]) == 303
    store.modify(NODES, "extra-000", lambda o: o["metadata"]["labels"].update(changed="yes"))
    _, second = request(server, "GET", "/api/v1/nodes")
    changed = next(i for i in second["items"] if i["metadata"]["name"] == "extra-000")
    assert changed["metadata"]["labels"]["changed"] == "yes"  # a new version is never served stale


def test_a_client_that_resets_its_connection_leaves_no_traceback(
        server: ApiServer, capfd: pytest.CaptureFixture[str]) -> None:
    host, port = urlsplit(server.url).netloc.split(":")
    for _ in range(5):  # the reset lands either while the request is read or while the answer is written
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(f"GET {MCS} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
    assert request(server, "GET", MCS)[0] == 200  # still serving
    time.sleep(0.2)  # the handler threads finish
    assert "Traceback" not in capfd.readouterr().err
