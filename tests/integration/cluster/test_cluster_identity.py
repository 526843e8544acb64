"""How the reconciler shows itself to the API server, seen on the wire by a recording proxy: the
User-Agent on every request, fieldManager on every write, the in-cluster service account used
unchanged (address from the environment, the CA and the token from their files), and the
namespace of its own objects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cluster_world import FAST, HOTFIX, World
from proxykit import RecordingProxy, self_signed_certificate

from mcosim.kubeconfig import write_kubeconfig
from mcosim.resources import CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, CONFIGMAPS, NAMESPACES, SERVICE_ACCOUNTS
from reconciler import __version__
from reconciler.cluster import Cluster, connect
from reconciler.errors import InvalidInput
from reconciler.model import (
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    ROLE_LABEL,
    DesiredMachineConfig,
)

HOTFIX2 = "quay.io/my-registry/rhcos-hotfix@sha256:" + "2" * 64


def ours(image: str) -> DesiredMachineConfig:
    return DesiredMachineConfig("99-layering-worker", "worker", image,
                                ((ROLE_LABEL, "worker"), (MANAGED_BY_LABEL, MANAGED_BY_VALUE)), ())


@pytest.fixture
def proxy(world: World) -> Iterator[RecordingProxy]:
    recording = RecordingProxy(world.server.url)
    yield recording
    recording.stop()


def every_kind_of_write(cluster: Cluster) -> None:
    cluster.load_memory()
    cluster.save_memory({"v": 1})  # creates the namespace and the ConfigMap
    cluster.save_memory({"v": 2})  # replaces it
    rv = cluster.create_machine_config(ours(HOTFIX))
    rv = cluster.update_machine_config(ours(HOTFIX2), rv)
    cluster.set_pool_paused("worker", True)
    cluster.record_event("MachineConfig", "99-layering-worker", "LayeringApplied", "test")
    cluster.delete_machine_config("99-layering-worker", rv)


def test_every_write_names_the_field_manager_and_every_request_the_user_agent(
    world: World, proxy: RecordingProxy, tmp_path: Path
) -> None:
    kubeconfig = tmp_path / "via-proxy"
    write_kubeconfig(kubeconfig, proxy.url)
    with Cluster.connect(str(kubeconfig), policy=FAST, transport=world.transport) as cluster:
        cluster.read_live(now=0.0)
        every_kind_of_write(cluster)
    seen = proxy.requests()
    assert {r.method for r in seen} == {"GET", "POST", "PUT", "PATCH", "DELETE"}
    assert {r.headers.get("user-agent") for r in seen} == {f"layering-reconciler/{__version__}"}
    reviews = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"  # questions, not writes
    writes = [r for r in seen if r.method in ("POST", "PUT", "PATCH") and r.path != reviews]
    assert len(writes) == 8  # ConfigMap (no namespace yet), namespace, ConfigMap, its update, 2 MCs, pool, event
    assert all(r.query.get("fieldManager") == "layering-reconciler" for r in writes), writes
    assert all("fieldManager" not in r.query for r in seen if r.method in ("GET", "DELETE"))


def pod_token(world: World) -> str:
    """A token the simulator issues to a ServiceAccount of the pod's namespace, bound to a role that may
    do everything (this test is about how the token is sent, not about RBAC: tests/integration/rbac/)."""
    namespace, name = "gitops-system", "layering-reconciler"
    with world.store.lock:
        world.store.create(NAMESPACES, {"metadata": {"name": namespace}})
        account = world.store.create(SERVICE_ACCOUNTS, {"metadata": {"name": name, "namespace": namespace}})
        world.store.create(CLUSTER_ROLES, {"metadata": {"name": "everything"},
                                           "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]})
        world.store.create(CLUSTER_ROLE_BINDINGS, {
            "metadata": {"name": "everything"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "everything"},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}]})
    token, _ = world.server.auth.issue(namespace, name, account["metadata"]["uid"], 3600)
    return str(token)


@pytest.fixture
def pod(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingProxy]:
    """What a pod sees: KUBERNETES_SERVICE_HOST/PORT of an HTTPS API server and the service account's
    files (in a temporary directory: /var/run/secrets cannot exist here), no kubeconfig anywhere."""
    certificate = self_signed_certificate(tmp_path)
    recording = RecordingProxy(world.server.url, certificate)
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text(pod_token(world))
    (account / "ca.crt").write_text(certificate[0].read_text())
    (account / "namespace").write_text("gitops-system\n")
    monkeypatch.setattr(connect, "SERVICE_ACCOUNT_DIR", account)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(recording.port))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    yield recording
    recording.stop()


def test_in_cluster_the_service_account_is_used_unchanged(world: World, pod: RecordingProxy) -> None:
    with Cluster.connect(policy=FAST, transport=world.transport) as cluster:
        assert cluster.host == f"https://127.0.0.1:{pod.port}"
        assert cluster.read_live(now=0.0).pool("worker") is not None  # TLS verified against ca.crt
        cluster.save_memory({"v": 1})
    # the client's loader writes "bearer" (the API server takes the scheme in any case)
    token = (connect.SERVICE_ACCOUNT_DIR / "token").read_text()
    assert {r.headers.get("authorization", "").lower() for r in pod.requests()} == {f"bearer {token.lower()}"}
    # its own objects live in the pod's namespace
    state = world.store.get(CONFIGMAPS, "layering-reconciler-state", "gitops-system")
    assert state["data"] == {"state.json": '{"v":1}'}


def test_in_cluster_comes_before_a_stray_home_kubeconfig(world: World, pod: RecordingProxy, tmp_path: Path) -> None:
    write_kubeconfig(tmp_path / "home" / ".kube" / "config", "http://127.0.0.1:9")  # nothing listens there
    with Cluster.connect(policy=FAST, transport=world.transport) as cluster:
        assert cluster.host == f"https://127.0.0.1:{pod.port}"


def test_an_explicit_kubeconfig_still_wins_in_a_pod(world: World, pod: RecordingProxy) -> None:
    with Cluster.connect(str(world.kubeconfig), policy=FAST, transport=world.transport) as cluster:
        assert cluster.host == world.server.url
        cluster.save_memory({"v": 1})
    assert pod.requests() == []
    assert world.store.try_get(CONFIGMAPS, "layering-reconciler-state", "gitops-system") is not None


def test_a_broken_service_account_is_named(world: World, pod: RecordingProxy) -> None:
    (connect.SERVICE_ACCOUNT_DIR / "ca.crt").unlink()
    with pytest.raises(InvalidInput, match=r"serviceaccount: cannot use the in-cluster service account: .*cert"):
        Cluster.connect(transport=world.transport)


def test_the_namespace_option_moves_our_objects(world: World) -> None:
    with Cluster.connect(str(world.kubeconfig), policy=FAST, namespace="team-a", transport=world.transport) as cluster:
        cluster.save_memory({"v": 1})
        assert cluster.load_memory() == {"v": 1}
    assert world.store.try_get(NAMESPACES, "team-a") is not None
    assert world.store.try_get(CONFIGMAPS, "layering-reconciler-state", "layering-reconciler") is None


def test_without_a_pod_the_namespace_is_layering_reconciler(world: World, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connect, "SERVICE_ACCOUNT_DIR", tmp_path / "absent")
    assert connect.own_namespace() == "layering-reconciler"
    with pytest.raises(InvalidInput, match=r"--namespace 'Team_A': not a valid namespace name"):
        connect.own_namespace("Team_A")


def test_the_memory_and_the_lease_are_each_one_get_by_name(world: World, proxy: RecordingProxy,
                                                           tmp_path: Path) -> None:
    kubeconfig = tmp_path / "via-proxy"
    write_kubeconfig(kubeconfig, proxy.url)
    with Cluster.connect(str(kubeconfig), policy=FAST, transport=world.transport) as cluster:
        cluster.save_memory({"v": 1})
        before = len(proxy.requests())
        assert cluster.load_memory() == {"v": 1}
        assert cluster.lease().get() is None
    ns = "layering-reconciler"
    assert [(r.method, r.path, r.query) for r in proxy.requests()[before:]] == [
        ("GET", f"/api/v1/namespaces/{ns}/configmaps/layering-reconciler-state", {}),
        ("GET", f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/layering-reconciler", {}),
    ]
