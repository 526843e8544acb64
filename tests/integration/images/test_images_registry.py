"""RegistryInspector against the simulator's OCI endpoint and against a registry that wants a token."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import HTTPServer, ThreadingHTTPServer

import pytest
from testkit import BASE_4163 as BASE
from testkit import HOTFIX1, JsonHandler

from mcosim import SimConfig, Simulator
from reconciler.images import RegistryInspector, manifest_url

UNKNOWN = "quay.io/my-registry/rhcos-hotfix@sha256:" + "0" * 61 + "bad"
CONFIG = {"architecture": "arm64", "config": {"Labels": {"version": "416.94.1"}}}
CONFIG_DIGEST = "sha256:" + "c" * 64


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(clock="virtual")).start() as running:
        yield running


def test_manifest_urls() -> None:
    assert manifest_url(HOTFIX1) == (
        "https://quay.io/v2/my-registry/rhcos-hotfix/manifests/sha256:" + HOTFIX1.rpartition(":")[2])
    assert manifest_url(HOTFIX1, "http://127.0.0.1:1/").startswith(
        "http://127.0.0.1:1/v2/quay.io/my-registry/rhcos-hotfix/manifests/sha256:")


def test_known_image_reports_its_base(sim: Simulator) -> None:
    info = RegistryInspector(sim.url).inspect(HOTFIX1)
    assert info.found and not info.error
    assert info.config_read and info.label("ostree.bootable") == "true" and info.architectures == ("amd64",)
    assert info.label("version") == RegistryInspector(sim.url).inspect(BASE).label("version") != ""
    assert info.base_name == BASE
    assert info.base_digest == BASE.rpartition("@")[2]


def test_release_image_has_no_base(sim: Simulator) -> None:
    info = RegistryInspector(sim.url).inspect(BASE)
    assert info.found and info.base_name == ""


def test_unknown_digest_is_not_found(sim: Simulator) -> None:
    info = RegistryInspector(sim.url).inspect(UNKNOWN)
    assert not info.found and not info.error


def test_unreachable_registry_is_an_error_not_a_verdict() -> None:
    info = RegistryInspector("http://127.0.0.1:9", timeout=2).inspect(HOTFIX1)
    assert info.found and info.error.startswith("registry unreachable")


class _TokenRegistry(JsonHandler):
    """Answers 401 with a Bearer challenge, hands out an anonymous token, then serves one manifest."""

    def do_GET(self) -> None:
        assert isinstance(self.server, HTTPServer)
        port = self.server.server_port
        if self.path.startswith("/token?"):
            assert "scope=repository%3Amy-registry%2Frhcos-hotfix%3Apull" in self.path
            self.reply_json(200, {"token": "anon-token"})
        elif self.headers.get("Authorization") != "Bearer anon-token":
            challenge = (f'Bearer realm="http://127.0.0.1:{port}/token",service="test",'
                         'scope="repository:my-registry/rhcos-hotfix:pull"')
            self.reply_json(401, {"errors": [{"code": "UNAUTHORIZED"}]}, {"WWW-Authenticate": challenge})
        elif "/blobs/" in self.path:
            self.reply_json(200, CONFIG)
        else:
            self.reply_json(200, {"schemaVersion": 2, "config": {"digest": CONFIG_DIGEST}, "annotations": {
                "org.opencontainers.image.base.name": BASE,
                "org.opencontainers.image.base.digest": BASE.rpartition("@")[2]}})


def test_anonymous_bearer_token_dance() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenRegistry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        mirror = f"http://127.0.0.1:{server.server_address[1]}"
        ref = HOTFIX1.replace("quay.io/", "")  # the mirror serves the repository path directly
        info = RegistryInspector(mirror).inspect(f"host/{ref}")
        assert info.found and info.base_name == BASE, info
        assert info.label("version") == "416.94.1" and info.architectures == ("arm64",)
    finally:
        server.shutdown()
        server.server_close()
