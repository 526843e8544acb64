"""Which transport a kubeconfig gets, over real HTTP and HTTPS to the simulator: static contexts (a CA
and a token, insecure-skip-tls-verify, a token file that rotates) go over the light transport and a
`plan` never imports the kubernetes client; an exec plugin, an environment proxy and the other
cases go through the client's loader, which runs the plugin and sends its token. A client certificate
works over both."""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cluster_world import FAST, HOTFIX, bootstrap
from proxykit import RecordingProxy, self_signed_certificate
from testkit import git

from mcosim.api.server import ApiServer
from mcosim.clock import VirtualClock
from mcosim.store import Store
from reconciler.cluster import Cluster, transport
from reconciler.cluster.kubeclient import ClientTransport
from reconciler.cluster.transport import HttpTransport
from reconciler.errors import ClusterError, Refused

ROOT = Path(__file__).resolve().parents[3]
PROBE = """
import json, sys
from reconciler.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


@pytest.fixture(scope="module")
def server() -> Iterator[ApiServer]:
    """The cluster_world objects, served over HTTP and HTTPS (a self-signed CA: needs openssl)."""
    store = Store(VirtualClock())
    bootstrap(store)
    api = ApiServer(store, tls_port=0)
    api.start()
    yield api
    api.stop()


def kubeconfig(path: Path, cluster: dict[str, Any], user: dict[str, Any]) -> Path:
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "here",
        "clusters": [{"name": "here", "cluster": cluster}], "users": [{"name": "me", "user": user}],
        "contexts": [{"name": "here", "context": {"cluster": "here", "user": "me"}}]}))
    return path


def https(server: ApiServer, **extra: Any) -> dict[str, Any]:
    assert server.https_url is not None and server.cert is not None
    return {"server": server.https_url, **extra}


def ca_data(server: ApiServer) -> str:
    assert server.cert is not None
    return base64.b64encode(server.cert.cert_pem).decode()


def read_worker(path: Path) -> type:
    with Cluster.connect(str(path), policy=FAST) as cluster:
        assert cluster.read_live(now=0.0).pool("worker") is not None
        return type(cluster._api.transport)


def test_ca_and_token_over_https_use_the_light_transport(server: ApiServer, tmp_path: Path) -> None:
    path = kubeconfig(tmp_path / "k", https(server, **{"certificate-authority-data": ca_data(server)}),
                      {"token": "sim-token"})
    assert read_worker(path) is HttpTransport


def test_a_ca_file_relative_to_the_kubeconfig(server: ApiServer, tmp_path: Path) -> None:
    assert server.cert is not None
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.crt").write_bytes(server.cert.cert_pem)
    path = kubeconfig(tmp_path / "k", https(server, **{"certificate-authority": "certs/ca.crt"}),
                      {"token": "sim-token"})
    assert read_worker(path) is HttpTransport


def test_insecure_skip_tls_verify(server: ApiServer, tmp_path: Path) -> None:
    path = kubeconfig(tmp_path / "k", https(server, **{"insecure-skip-tls-verify": True}), {"token": "sim-token"})
    assert read_worker(path) is HttpTransport


@pytest.mark.parametrize("choice", ["auto", "client"])
def test_an_unknown_ca_is_refused_by_both_transports(server: ApiServer, tmp_path: Path, choice: Any) -> None:
    path = kubeconfig(tmp_path / "k", https(server), {"token": "sim-token"})  # the system CAs only
    refused = r"(?s)^machineconfigs: cannot talk to the API server: .*CERTIFICATE_VERIFY"
    with Cluster.connect(str(path), policy=FAST, transport=choice) as cluster, \
            pytest.raises(ClusterError, match=refused):
        cluster.read_live(now=0.0)


@pytest.mark.parametrize("choice", ["auto", "client"])
def test_a_rejected_token_is_unauthorized(server: ApiServer, tmp_path: Path, choice: Any) -> None:
    path = kubeconfig(tmp_path / "k", {"server": server.url}, {"token": "not-the-token"})
    with Cluster.connect(str(path), policy=FAST, transport=choice) as cluster, \
            pytest.raises(Refused, match=r"^machineconfigs: unauthorized"):
        cluster.read_live(now=0.0)


def test_a_token_file_is_read_again_as_it_rotates(server: ApiServer, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = RecordingProxy(server.url)
    try:
        token = tmp_path / "token"
        token.write_text("first-token\n")
        path = kubeconfig(tmp_path / "k", {"server": proxy.url}, {"tokenFile": "token"})
        monkeypatch.setattr(transport, "TOKEN_REREAD_SECONDS", 0.0)
        with Cluster.connect(str(path), policy=FAST) as cluster:
            assert isinstance(cluster._api.transport, HttpTransport)
            with pytest.raises(Refused):
                cluster.load_memory()
            token.write_text("sim-token")
            assert cluster.load_memory() == {}
        assert [r.headers.get("authorization") for r in proxy.requests()] == ["Bearer first-token", "Bearer sim-token"]
    finally:
        proxy.stop()


def exec_plugin(tmp_path: Path, token: str) -> dict[str, Any]:
    """A credential plugin printing an ExecCredential (client.authentication.k8s.io/v1beta1)."""
    script = tmp_path / "credential-plugin.py"
    credential = {"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential",
                  "status": {"token": token}}
    script.write_text(f"import json\nprint(json.dumps({credential!r}))\n")
    return {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": sys.executable,
                     "args": [str(script)]}}


def test_an_exec_plugin_goes_through_the_client_and_its_token_is_sent(server: ApiServer, tmp_path: Path) -> None:
    good = kubeconfig(tmp_path / "good", {"server": server.url}, exec_plugin(tmp_path, "sim-token"))
    assert read_worker(good) is ClientTransport
    (tmp_path / "bad").mkdir()
    bad = kubeconfig(tmp_path / "bad" / "k", {"server": server.url}, exec_plugin(tmp_path / "bad", "wrong"))
    with Cluster.connect(str(bad), policy=FAST) as cluster, pytest.raises(Refused, match="unauthorized"):
        cluster.read_live(now=0.0)


def test_an_environment_proxy_goes_through_the_client(server: ApiServer, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = RecordingProxy(server.url)
    try:
        monkeypatch.setenv("http_proxy", proxy.url)
        path = kubeconfig(tmp_path / "k", {"server": "http://127.0.0.1:9"}, {"token": "sim-token"})
        assert read_worker(path) is ClientTransport  # reached the sim, through the proxy
        assert proxy.requests()
    finally:
        proxy.stop()


def repository(path: Path) -> Path:
    (path / "bindings").mkdir(parents=True)
    (path / "layering.yaml").write_text("apiVersion: layering.gitops.dev/v1alpha1\nkind: LayeringPolicy\n"
                                        "metadata:\n  name: default\nspec:\n  allowEmpty: true\n")
    (path / "bindings" / "master.yaml").write_text(  # (worker has a hand-made MC that would block the plan)
        "apiVersion: layering.gitops.dev/v1alpha1\nkind: PoolImageBinding\nmetadata:\n  name: master-image\n"
        f"spec:\n  pool: master\n  osImageURL: {HOTFIX}\n")
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "bindings")
    return path


def plan_modules(tmp_path: Path, config: Path) -> tuple[int, set[str]]:
    argv = ["plan", "--repo", str(repository(tmp_path / "repo")), "--kubeconfig", str(config),
            "--cache-dir", str(tmp_path / "cache")]
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120, check=False)
    reply = json.loads(done.stdout.strip().splitlines()[-1])
    return int(reply["code"]), set(reply["modules"])


def test_plan_with_a_static_kubeconfig_never_imports_the_kubernetes_client(server: ApiServer, tmp_path: Path) -> None:
    path = kubeconfig(tmp_path / "k", https(server, **{"certificate-authority-data": ca_data(server)}),
                      {"token": "sim-token"})
    code, modules = plan_modules(tmp_path, path)
    assert code == 2  # changes pending: the master pool's MachineConfig would be written
    assert sorted(m for m in modules if m.split(".")[0] in ("kubernetes", "urllib3")) == []


def test_plan_with_an_exec_plugin_loads_the_client(server: ApiServer, tmp_path: Path) -> None:
    """The same probe sees the client when the kubeconfig needs it (the guard above can fail)."""
    path = kubeconfig(tmp_path / "k", {"server": server.url}, exec_plugin(tmp_path, "sim-token"))
    code, modules = plan_modules(tmp_path, path)
    assert code == 2 and "kubernetes" in modules


@pytest.mark.parametrize("choice", ["auto", "client"])
def test_a_client_certificate_is_presented(server: ApiServer, tmp_path: Path, choice: Any) -> None:
    """The simulator does not check client certificates: a TLS proxy in front of it that requires one
    stands in for an API server that does (kubeconfig: client-certificate-data and client-key-data)."""
    (tmp_path / "server").mkdir()
    (tmp_path / "client").mkdir()
    serving = self_signed_certificate(tmp_path / "server")
    client_cert, client_key = self_signed_certificate(tmp_path / "client")
    proxy = RecordingProxy(server.url, serving)
    try:
        context = proxy._httpd.socket.context  # type: ignore[attr-defined]
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(str(client_cert))
        cluster = {"server": proxy.url,
                   "certificate-authority-data": base64.b64encode(serving[0].read_bytes()).decode()}
        user = {"client-certificate-data": base64.b64encode(client_cert.read_bytes()).decode(),
                "client-key-data": base64.b64encode(client_key.read_bytes()).decode()}
        with Cluster.connect(str(kubeconfig(tmp_path / "k", cluster, user)), policy=FAST, transport=choice) as c:
            assert c.read_live(now=0.0).pool("worker") is not None
            assert isinstance(c._api.transport, HttpTransport if choice == "auto" else ClientTransport)
        assert proxy.requests()
        without = kubeconfig(tmp_path / "without", cluster, {})
        with Cluster.connect(str(without), policy=FAST, transport=choice) as c, pytest.raises(ClusterError):
            c.read_live(now=0.0)
    finally:
        proxy.stop()
