"""deploy/'s RBAC is sufficient and minimal: with it the reconciler's cluster adapter does everything it
does without a single 403; remove any one verb of any rule and a named operation fails with a clear
"forbidden" error; nothing beyond the named objects is reachable."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config
from rbac_world import ACCOUNT, NAMESPACE, USER, denials, deploy_objects, install, sa_kubeconfig, token_of

from mcosim import Simulator
from mcosim.resources import CONFIGMAPS, EVENTS, NODES, SERVICE_ACCOUNTS
from mcosim.resources import LEASES as LEASE_TYPE
from reconciler.cluster import Cluster, RequestPolicy
from reconciler.cluster.api import core, mco
from reconciler.cluster.cache import watch_lines
from reconciler.cluster.port import LeaseRecord
from reconciler.errors import Forbidden, Refused
from reconciler.model import MANAGED_BY_LABEL, MANAGED_BY_VALUE, ROLE_LABEL, DesiredMachineConfig

MCO = "machineconfiguration.openshift.io"
LEASES = "coordination.k8s.io"
HOTFIX = "quay.io/my-registry/rhcos-hotfix@sha256:8afaccbbe78087b87335a43c082f78d3f663a1865a92ed709154d29d50eb8010"
FAST = RequestPolicy(connect_timeout=2.0, read_timeout=10.0, read_attempts=1, retry_delay=0.0)
MC = "99-layering-worker"
Obj = dict[str, Any]


def worker_mc(image: str = HOTFIX) -> DesiredMachineConfig:
    return DesiredMachineConfig(MC, "worker", image, ((ROLE_LABEL, "worker"), (MANAGED_BY_LABEL, MANAGED_BY_VALUE)), ())


def admin(sim: Simulator, tmp_path: Path) -> Cluster:
    return Cluster.connect(str(sim.write_kubeconfig(tmp_path / "admin.kubeconfig")), policy=FAST)


def as_account(sim: Simulator, tmp_path: Path, account: str = ACCOUNT) -> Cluster:
    kubeconfig = sa_kubeconfig(sim, tmp_path / f"{account}.kubeconfig", token_of(sim, NAMESPACE, account))
    return Cluster.connect(str(kubeconfig), policy=FAST)


# ---- what each right is for: the operation that needs it (set up as the admin, then run as the account)
def _our_mc_exists(sim: Simulator, tmp_path: Path) -> str:
    with admin(sim, tmp_path) as cluster:
        return cluster.create_machine_config(worker_mc())


def update_mc(sim: Simulator, tmp_path: Path, cluster: Cluster) -> None:
    rv = _our_mc_exists(sim, tmp_path)
    cluster.update_machine_config(worker_mc(HOTFIX.replace("8afa", "8afb")), rv)


def delete_mc(sim: Simulator, tmp_path: Path, cluster: Cluster) -> None:
    cluster.delete_machine_config(MC, _our_mc_exists(sim, tmp_path))


def save_state(sim: Simulator, tmp_path: Path, cluster: Cluster) -> None:
    cluster.load_memory()
    cluster.save_memory({"pausedByUs": []})


def renew_lease(sim: Simulator, tmp_path: Path, cluster: Cluster) -> None:
    lease = cluster.lease()
    record = lease.get()
    assert record is not None, "deploy/ creates the Lease"
    lease.update(replace(record, holder="layering-reconciler-0", duration_seconds=15))


Operation = Callable[[Simulator, Path, Cluster], object]


def watch_kind(plural: str) -> Operation:
    """One short watch, as `run`'s cache makes after its first list."""
    def watch(sim: Simulator, tmp: Path, cluster: Cluster) -> object:
        collection = core(plural) if plural == "nodes" else mco(plural)
        return list(watch_lines(cluster._api, plural, collection, {"watch": True, "timeoutSeconds": 1}))
    return watch


READ: Operation = lambda sim, tmp, cluster: cluster.read_live(0.0)  # noqa: E731
OPERATIONS: dict[tuple[str, str, str, str], tuple[str, Operation]] = {
    # (Role namespace or "" for the ClusterRole, apiGroup, resource, verb): (what fails, how)
    ("", MCO, "machineconfigs", "list"): ("read the cluster", READ),
    ("", MCO, "machineconfigs", "get"): ("re-read our MachineConfig before an update", update_mc),
    ("", MCO, "machineconfigs", "create"): ("create our MachineConfig",
                                             lambda s, t, c: c.create_machine_config(worker_mc())),
    ("", MCO, "machineconfigs", "update"): ("update our MachineConfig", update_mc),
    ("", MCO, "machineconfigs", "delete"): ("delete our MachineConfig", delete_mc),
    ("", MCO, "machineconfigpools", "list"): ("read the cluster", READ),
    ("", MCO, "machineconfigpools", "patch"): ("pause a pool", lambda s, t, c: c.set_pool_paused("worker", True)),
    ("", "", "nodes", "list"): ("read the cluster", READ),
    ("", MCO, "machineconfignodes", "list"): ("read the cluster", READ),
    ("", MCO, "machineconfigs", "watch"): ("follow MachineConfigs", watch_kind("machineconfigs")),
    ("", MCO, "machineconfigpools", "watch"): ("follow pools", watch_kind("machineconfigpools")),
    ("", "", "nodes", "watch"): ("follow nodes", watch_kind("nodes")),
    ("", MCO, "machineconfignodes", "watch"): ("follow MachineConfigNodes", watch_kind("machineconfignodes")),
    ("openshift-machine-config-operator", "", "configmaps", "get"): ("read the base image", READ),
    (NAMESPACE, "", "configmaps", "get"): ("load the rollout memory", lambda s, t, c: c.load_memory()),
    (NAMESPACE, "", "configmaps", "update"): ("save the rollout memory", save_state),
    (NAMESPACE, LEASES, "leases", "get"): ("read the Lease (leader election)", lambda s, t, c: c.lease().get()),
    (NAMESPACE, LEASES, "leases", "update"): ("acquire or renew the Lease", renew_lease),
}
EVENT_RIGHT = (NAMESPACE, "", "events", "create")  # best effort: a refused Event is logged, never raised


def granted() -> list[tuple[str, str, str, str]]:
    """Every (namespace, group, resource, verb) deploy/'s Roles and ClusterRoles grant."""
    rights = []
    for obj in deploy_objects():
        if obj["kind"] in ("Role", "ClusterRole"):
            for rule in obj["rules"]:
                rights += [(obj["metadata"].get("namespace", ""), group, resource, verb)
                           for group in rule["apiGroups"] for resource in rule["resources"] for verb in rule["verbs"]]
    return rights


def without(right: tuple[str, str, str, str]) -> list[Obj]:
    """deploy/'s objects with that one verb taken out of its rule (the rule dropped when it was the last)."""
    namespace, group, resource, verb = right
    objects = copy.deepcopy(deploy_objects())
    for obj in objects:
        if obj["kind"] not in ("Role", "ClusterRole") or obj["metadata"].get("namespace", "") != namespace:
            continue
        for rule in obj["rules"]:
            if group in rule["apiGroups"] and resource in rule["resources"] and verb in rule["verbs"]:
                assert rule["apiGroups"] == [group] and rule["resources"] == [resource], "one resource per rule"
                rule["verbs"].remove(verb)
        obj["rules"] = [r for r in obj["rules"] if r["verbs"]]
    return objects


def test_no_wildcards_and_every_right_has_a_named_operation() -> None:
    for obj in deploy_objects():
        for rule in obj.get("rules") or []:
            for key in ("apiGroups", "resources", "verbs", "resourceNames"):
                assert "*" not in rule.get(key, []), (obj["metadata"]["name"], rule)
    assert sorted([*OPERATIONS, EVENT_RIGHT]) == sorted(granted())


def test_configmap_rights_are_limited_to_the_two_named_configmaps() -> None:
    for obj in deploy_objects():
        for rule in obj.get("rules") or []:
            if "configmaps" in rule["resources"] or "leases" in rule["resources"]:
                assert obj["kind"] == "Role" and len(rule["resourceNames"]) == 1, rule


def test_deploy_rbac_is_sufficient_for_every_operation(sim: Simulator, tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    install(sim)
    with as_account(sim, tmp_path) as cluster:
        live = cluster.read_live(0.0)
        assert live.base_image and live.release_version == "4.16.3" and live.pool("worker") is not None
        assert len(live.nodes) == 4  # a master, two workers and the canary
        rv = cluster.create_machine_config(worker_mc())
        rv = cluster.update_machine_config(worker_mc(HOTFIX.replace("8afa", "8afb")), rv)
        cluster.set_pool_paused("worker", True)
        cluster.set_pool_paused("worker", False)
        assert cluster.load_memory() == {}
        cluster.save_memory({"pausedByUs": ["worker"]})
        assert cluster.load_memory() == {"pausedByUs": ["worker"]}
        with caplog.at_level(logging.DEBUG, logger="reconciler.cluster.events"):
            cluster.record_event("MachineConfig", MC, "LayeringApplied", "created (commit abc)")
            cluster.flush_events()
        cluster.delete_machine_config(MC, rv)
        renew_lease(sim, tmp_path, cluster)
        renewed = cluster.lease().get()
        assert renewed is not None and renewed.holder == "layering-reconciler-0"
    assert denials(sim) == []
    assert "event not recorded" not in caplog.text
    events, _ = sim.store.list(EVENTS, NAMESPACE, fields="reason=LayeringApplied")
    assert [e["involvedObject"]["name"] for e in events] == [MC]


@pytest.mark.parametrize("right", sorted(OPERATIONS), ids=lambda r: f"{r[0] or 'cluster'}:{r[2]}:{r[3]}")
def test_each_right_is_needed(right: tuple[str, str, str, str], sim: Simulator, tmp_path: Path) -> None:
    namespace, group, resource, verb = right
    what, operation = OPERATIONS[right]
    install(sim, without(right))
    scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    expected = f'cannot {verb} resource "{resource}" in API group "{group}" {scope}'
    with as_account(sim, tmp_path) as cluster, pytest.raises(Forbidden) as caught:
        operation(sim, tmp_path, cluster)
    message = str(caught.value)
    assert "forbidden: " in message and f'User "{USER}" {expected}' in message, f"{what}: {message}"
    assert [m for m in denials(sim) if expected in m], denials(sim)


def test_events_right_is_needed(sim: Simulator, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    install(sim, without(EVENT_RIGHT))
    with as_account(sim, tmp_path) as cluster, caplog.at_level(logging.DEBUG, logger="reconciler.cluster.events"):
        cluster.record_event("MachineConfig", MC, "LayeringApplied", "created (commit abc)")  # never raises
        cluster.flush_events()
    expected = f'User "{USER}" cannot create resource "events" in API group "" in the namespace "{NAMESPACE}"'
    assert expected in caplog.text and "forbidden" in caplog.text
    assert len(denials(sim)) == 1


def test_nothing_beyond_the_named_objects(sim: Simulator, tmp_path: Path) -> None:
    install(sim)
    with sim.store.lock:
        sim.store.create(CONFIGMAPS, {"metadata": {"name": "other", "namespace": NAMESPACE}, "data": {}})
    api = sim_api_client(sim, tmp_path)
    node = sim.store.list(NODES)[0][0]["metadata"]["name"]
    for call in (
        lambda: api.read_namespaced_config_map("other", NAMESPACE),
        lambda: api.list_namespaced_config_map(NAMESPACE),
        lambda: api.read_namespaced_config_map("machine-config-operator-images", "openshift-machine-config-operator"),
        lambda: api.list_namespaced_pod("openshift-machine-config-operator"),
        lambda: api.read_namespaced_secret("layering-reconciler-git", NAMESPACE),
        lambda: api.read_node(node),  # list, not get
        lambda: api.patch_node(node, {"spec": {}}),
        lambda: api.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="x"))),
    ):
        with pytest.raises(Exception) as caught:
            call()
        assert getattr(caught.value, "status", None) == 403, caught.value
    with sim.store.lock:  # the state ConfigMap gone: the reconciler may not create it (deploy/ does)
        sim.store.delete(CONFIGMAPS, "layering-reconciler-state", NAMESPACE)
    with as_account(sim, tmp_path) as cluster:
        assert cluster.load_memory() == {}
        with pytest.raises(Forbidden, match='cannot create resource "configmaps"'):
            cluster.save_memory({"pausedByUs": []})


def sim_api_client(sim: Simulator, tmp_path: Path) -> client.CoreV1Api:
    """The plain typed client as the account (for requests the reconciler never makes)."""
    kubeconfig = sa_kubeconfig(sim, tmp_path / "raw.kubeconfig", token_of(sim))
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    return client.CoreV1Api(client.ApiClient(configuration))


def test_an_unbound_service_account_is_refused_with_the_real_message(sim: Simulator, tmp_path: Path) -> None:
    install(sim)
    with sim.store.lock:
        sim.store.create(SERVICE_ACCOUNTS, {"metadata": {"name": "nobody", "namespace": NAMESPACE}})
    with as_account(sim, tmp_path, "nobody") as cluster, pytest.raises(Forbidden) as caught:
        cluster.read_live(0.0)
    assert str(caught.value) == (
        'machineconfigs: forbidden: machineconfigs.machineconfiguration.openshift.io is forbidden: User '
        '"system:serviceaccount:layering-reconciler:nobody" cannot list resource "machineconfigs" in API group '
        '"machineconfiguration.openshift.io" at the cluster scope')


def test_an_unknown_token_is_unauthorized_and_a_deleted_account_s_token_stops_working(
    sim: Simulator, tmp_path: Path
) -> None:
    install(sim)
    bogus = sa_kubeconfig(sim, tmp_path / "bogus.kubeconfig", "not-a-token")
    with Cluster.connect(str(bogus), policy=FAST) as cluster, pytest.raises(Refused, match="unauthorized"):
        cluster.read_live(0.0)
    with as_account(sim, tmp_path) as cluster:
        cluster.read_live(0.0)
        with sim.store.lock:
            sim.store.delete(SERVICE_ACCOUNTS, ACCOUNT, NAMESPACE)
        with pytest.raises(Refused, match="unauthorized"):
            cluster.read_live(0.0)


def test_lease_rights_name_one_lease_and_cannot_create_it(sim: Simulator, tmp_path: Path) -> None:
    """Another Lease is out of reach; with deploy/'s Lease gone the replicas cannot make one (deploy/ does)."""
    install(sim)
    with as_account(sim, tmp_path) as cluster:
        with pytest.raises(Forbidden, match='cannot get resource "leases"'):
            cluster.lease("another-controller").get()
        with sim.store.lock:
            sim.store.delete(LEASE_TYPE, "layering-reconciler", NAMESPACE)
        lease = cluster.lease()
        assert lease.get() is None
        with pytest.raises(Forbidden, match='cannot create resource "leases"'):
            lease.create(LeaseRecord(holder="layering-reconciler-0", duration_seconds=15))
