"""The official kubernetes Python client against the simulated API server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kube_results import as_dict, list_meta, meta, name_of, node_info
from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ConflictError, DynamicApiError
from simapi_cluster import GROUP, VERSION, machine_config, pod

from mcosim.api import ApiServer
from mcosim.clock import VirtualClock
from mcosim.resources import MACHINE_CONFIGS, NODES, PDBS, PODS, POOLS
from mcosim.store import Store


@pytest.fixture
def api_client(kubeconfig: Path) -> Iterator[client.ApiClient]:
    api = config.new_client_from_config(config_file=str(kubeconfig))
    yield api
    api.close()


@pytest.fixture
def core(api_client: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api_client)


@pytest.fixture
def custom(api_client: client.ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api_client)


def eviction(name: str) -> client.V1Eviction:
    return client.V1Eviction(metadata=client.V1ObjectMeta(name=name))


def later(seconds: float, action: Any) -> threading.Timer:
    timer = threading.Timer(seconds, action)
    timer.start()
    return timer


# ---- core types ----------------------------------------------------------------------------------
def test_list_read_and_strategic_patch_nodes(core: client.CoreV1Api, store: Store) -> None:
    nodes = core.list_node(label_selector="node-role.kubernetes.io/worker")
    assert [name_of(n) for n in nodes.items] == ["worker-0", "worker-1"]
    assert list_meta(nodes).resource_version == store.resource_version
    assert node_info(core.read_node("master-0")).kubelet_version == "v1.29.5+29c9a2d"
    body = {"metadata": {"labels": {"extra": "yes"}}, "spec": {"unschedulable": True}}
    patched = core.patch_node("worker-0", body)
    labels = meta(patched).labels or {}
    assert labels["extra"] == "yes"
    assert labels["kubernetes.io/hostname"] == "worker-0"  # maps merge
    assert patched.spec is not None and patched.spec.unschedulable is True
    core.patch_node("worker-0", {"spec": {"unschedulable": None}})
    assert "unschedulable" not in store.get(NODES, "worker-0")["spec"]


def test_pods_by_field_selector_and_namespaces(core: client.CoreV1Api) -> None:
    on_node = core.list_pod_for_all_namespaces(field_selector="spec.nodeName=worker-0")
    assert sorted(name_of(p) for p in on_node.items) == ["db-0", "web-0"]
    assert core.list_namespaced_pod("openshift-machine-config-operator").items == []
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_pod("web-0", "kube-node-lease")
    assert missing.value.status == 404


def test_list_with_limit_pages_through_continue_tokens(core: client.CoreV1Api) -> None:
    first = core.list_node(limit=2)
    assert [name_of(n) for n in first.items] == ["master-0", "worker-0"]
    assert list_meta(first).remaining_item_count == 1
    rest = core.list_node(limit=2, _continue=list_meta(first)._continue)
    assert [name_of(n) for n in rest.items] == ["worker-1"]
    assert list_meta(rest)._continue is None


def test_watch_nodes_streams_added_then_modified(core: client.CoreV1Api, store: Store) -> None:
    def relabel(obj: dict[str, Any]) -> None:
        obj["metadata"]["labels"]["x"] = "1"

    timer = later(0.5, lambda: store.modify(NODES, "worker-0", relabel))
    seen = []
    try:
        for event in watch.Watch().stream(core.list_node, timeout_seconds=2):
            seen.append((event["type"], event["object"].metadata.name))
            if event["type"] == "MODIFIED":
                break
    finally:
        timer.cancel()
    assert seen == [("ADDED", "master-0"), ("ADDED", "worker-0"), ("ADDED", "worker-1"),
                    ("MODIFIED", "worker-0")]


def test_watch_with_selector_sends_deleted_when_an_object_stops_matching(core: client.CoreV1Api,
                                                                         store: Store) -> None:
    rv = store.resource_version
    role = "node-role.kubernetes.io/worker"
    store.modify(NODES, "worker-0", lambda o: o["metadata"]["labels"].pop(role))
    store.modify(NODES, "master-0", lambda o: o["metadata"]["labels"].update({role: ""}))
    stream = watch.Watch().stream(core.list_node, label_selector=role, resource_version=rv, timeout_seconds=1)
    events = [(e["type"], e["object"].metadata.name) for e in stream]
    assert events == [("DELETED", "worker-0"), ("ADDED", "master-0")]


# ---- custom resources ----------------------------------------------------------------------------
def test_watch_mcs_resumes_from_a_resource_version(custom: client.CustomObjectsApi, store: Store) -> None:
    rv = store.resource_version
    store.create(MACHINE_CONFIGS, machine_config("99-a"))
    store.delete(MACHINE_CONFIGS, "99-a")
    stream = watch.Watch().stream(custom.list_cluster_custom_object, GROUP, VERSION, "machineconfigs",
                                  resource_version=rv, timeout_seconds=1)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in stream] == [("ADDED", "99-a"),
                                                                               ("DELETED", "99-a")]


def test_watch_from_a_compacted_resource_version_gets_410() -> None:
    store = Store(VirtualClock(), history=2)
    store.create(MACHINE_CONFIGS, machine_config("00-worker"))
    for i in range(6):
        def relabel(obj: dict[str, Any], n: str = str(i)) -> None:
            obj["metadata"].update(labels={"n": n})

        store.modify(MACHINE_CONFIGS, "00-worker", relabel)
    server = ApiServer(store)
    server.start()
    try:
        api = client.ApiClient(client.Configuration(host=server.url))
        objects = client.CustomObjectsApi(api)
        with pytest.raises(ApiException) as gone:
            list(watch.Watch().stream(objects.list_cluster_custom_object, GROUP, VERSION, "machineconfigs",
                                      resource_version="1", timeout_seconds=1))
        assert gone.value.status == 410
        assert "too old resource version" in str(gone.value)
    finally:
        server.stop()


def test_custom_object_create_replace_patch_delete(custom: client.CustomObjectsApi, store: Store) -> None:
    created = as_dict(custom.create_cluster_custom_object(GROUP, VERSION, "machineconfigs", machine_config("99-x")))
    assert created["metadata"]["generation"] == 1 and created["metadata"]["uid"]
    created["spec"]["kernelArguments"] = ["nosmt"]
    replaced = as_dict(custom.replace_cluster_custom_object(GROUP, VERSION, "machineconfigs", "99-x", created))
    assert replaced["metadata"]["generation"] == 2
    with pytest.raises(ApiException) as conflict:
        custom.replace_cluster_custom_object(GROUP, VERSION, "machineconfigs", "99-x", created)  # stale rv
    assert conflict.value.status == 409 and '"reason":"Conflict"' in (conflict.value.body or "")
    patched = as_dict(custom.patch_cluster_custom_object(GROUP, VERSION, "machineconfigs", "99-x",
                                                         {"spec": {"fips": True}}))
    assert patched["spec"]["fips"] is True and patched["spec"]["kernelArguments"] == ["nosmt"]
    ops = [{"op": "replace", "path": "/spec/kernelArguments/0", "value": "mitigations=off"}]
    patched = as_dict(custom.patch_cluster_custom_object(GROUP, VERSION, "machineconfigs", "99-x", ops,
                                                         _content_type="application/json-patch+json"))
    assert patched["spec"]["kernelArguments"] == ["mitigations=off"]
    deleted = as_dict(custom.delete_cluster_custom_object(GROUP, VERSION, "machineconfigs", "99-x"))
    assert deleted["metadata"]["name"] == "99-x"
    assert store.try_get(MACHINE_CONFIGS, "99-x") is None


def test_stale_resource_version_in_a_merge_patch_conflicts(custom: client.CustomObjectsApi,
                                                           store: Store) -> None:
    stale = store.get(MACHINE_CONFIGS, "00-worker")["metadata"]["resourceVersion"]
    store.modify(MACHINE_CONFIGS, "00-worker", lambda o: o["spec"].update(fips=True))
    body = {"metadata": {"resourceVersion": stale}, "spec": {"fips": False}}
    with pytest.raises(ApiException) as conflict:
        custom.patch_cluster_custom_object(GROUP, VERSION, "machineconfigs", "00-worker", body)
    assert conflict.value.status == 409
    assert store.get(MACHINE_CONFIGS, "00-worker")["spec"]["fips"] is True


def test_dry_run_writes_nothing(custom: client.CustomObjectsApi, store: Store) -> None:
    rv = store.resource_version
    made = as_dict(custom.create_cluster_custom_object(GROUP, VERSION, "machineconfigs", machine_config("99-d"),
                                                       dry_run="All"))
    assert made["metadata"]["name"] == "99-d"
    custom.patch_cluster_custom_object(GROUP, VERSION, "machineconfigs", "00-worker",
                                       {"spec": {"fips": True}}, dry_run="All")
    custom.delete_cluster_custom_object(GROUP, VERSION, "machineconfigs", "00-worker", dry_run="All")
    assert store.resource_version == rv
    assert store.try_get(MACHINE_CONFIGS, "99-d") is None
    assert "fips" not in store.get(MACHINE_CONFIGS, "00-worker")["spec"]


def test_status_subresource_separates_spec_and_status(custom: client.CustomObjectsApi, store: Store) -> None:
    status = as_dict(custom.get_cluster_custom_object_status(GROUP, VERSION, "machineconfigpools", "worker"))
    assert status["status"]["machineCount"] == 2
    custom.patch_cluster_custom_object_status(GROUP, VERSION, "machineconfigpools", "worker",
                                              {"spec": {"paused": True}, "status": {"machineCount": 3}})
    live = store.get(POOLS, "worker")
    assert live["status"]["machineCount"] == 3 and live["spec"]["paused"] is False
    custom.patch_cluster_custom_object(GROUP, VERSION, "machineconfigpools", "worker",
                                       {"spec": {"paused": True}, "status": {"machineCount": 9}})
    live = store.get(POOLS, "worker")
    assert live["spec"]["paused"] is True and live["status"]["machineCount"] == 3
    assert live["metadata"]["generation"] == 2


def test_eviction_201_and_429(core: client.CoreV1Api, store: Store) -> None:
    core.create_namespaced_pod_eviction("web-0", "default", client.V1Eviction(
        metadata=client.V1ObjectMeta(name="web-0", namespace="default")))
    assert store.try_get(PODS, "web-0", "default") is None
    with pytest.raises(ApiException) as blocked:
        core.create_namespaced_pod_eviction("db-0", "default", eviction("db-0"))
    assert blocked.value.status == 429
    assert "Cannot evict pod as it would violate the pod's disruption budget." in (blocked.value.body or "")
    store.create(PODS, pod("db-1", "worker-1", {"app": "db"}))
    core.create_namespaced_pod_eviction("db-0", "default", eviction("db-0"))
    assert store.try_get(PODS, "db-0", "default") is None


def test_eviction_spends_a_pdb_status_budget(core: client.CoreV1Api, store: Store) -> None:
    def allow_one(obj: dict[str, Any]) -> None:
        obj["status"] = {"disruptionsAllowed": 1, "currentHealthy": 2, "desiredHealthy": 1}

    store.create(PODS, pod("db-1", "worker-1", {"app": "db"}))
    store.modify(PDBS, "db", allow_one, namespace="default", subresource="status")
    core.create_namespaced_pod_eviction("db-0", "default", eviction("db-0"))
    assert store.get(PDBS, "db", "default")["status"]["disruptionsAllowed"] == 0
    with pytest.raises(ApiException) as blocked:
        core.create_namespaced_pod_eviction("db-1", "default", eviction("db-1"))
    assert blocked.value.status == 429


def test_dynamic_client(api_client: client.ApiClient, tmp_path: Path, store: Store) -> None:
    dyn = DynamicClient(api_client, cache_file=str(tmp_path / "discovery.json"))
    pools = dyn.resources.get(api_version=f"{GROUP}/{VERSION}", kind="MachineConfigPool")
    worker = pools.get(name="worker")
    assert worker.status.configuration.name == "rendered-worker-abc"
    pools.status.patch(name="worker", body={"status": {"machineCount": 5}},
                       content_type="application/merge-patch+json")
    assert store.get(POOLS, "worker")["status"]["machineCount"] == 5
    with pytest.raises(DynamicApiError) as strategic:
        pools.patch(name="worker", body={"spec": {"paused": True}})
    assert strategic.value.status == 415
    stale = dict(worker.to_dict())
    with pytest.raises(ConflictError):
        pools.replace(body=stale)
    nodes = dyn.resources.get(api_version="v1", kind="Node")
    assert len(nodes.get().items) == 3
