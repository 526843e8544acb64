"""kubeconfig.select: kubectl's rules for choosing the context, and which contexts are static (served by
the light transport) and which go to the kubernetes client's loader (None)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.cluster.connect import open_transport
from reconciler.cluster.kubeconfig import select


def write(path: Path, current: str = "", clusters: dict[str, Any] | None = None,
          users: dict[str, Any] | None = None, contexts: dict[str, tuple[str, str]] | None = None) -> str:
    doc: dict[str, Any] = {
        "clusters": [{"name": n, "cluster": c} for n, c in (clusters or {}).items()],
        "users": [{"name": n, "user": u} for n, u in (users or {}).items()],
        "contexts": [{"name": n, "context": {"cluster": c, "user": u}} for n, (c, u) in (contexts or {}).items()],
    }
    if current:
        doc["current-context"] = current
    path.write_text(json.dumps(doc))
    return str(path)


def test_first_file_wins_per_name_and_first_current_context_wins(tmp_path: Path) -> None:
    a = write(tmp_path / "a", current="one", clusters={"c": {"server": "https://a:6443"}},
              users={"u": {"token": "from-a"}}, contexts={"one": ("c", "u")})
    b = write(tmp_path / "b", current="two", clusters={"c": {"server": "https://b:6443"}, "d": {"server": "http://d"}},
              users={"u": {"token": "from-b"}}, contexts={"one": ("d", "u"), "two": ("d", "u")})
    endpoint, name = select([a, b], None)
    assert name == "one" and endpoint is not None
    assert (endpoint.server, endpoint.token) == ("https://a:6443", "from-a")
    endpoint, name = select([b, a], None)
    assert name == "two" and endpoint is not None and endpoint.server == "http://d"
    endpoint, name = select([a, b], "two")  # --context beats current-context
    assert name == "two" and endpoint is not None and (endpoint.server, endpoint.token) == ("http://d", "from-a")


def test_a_later_file_sets_current_context_when_the_first_does_not(tmp_path: Path) -> None:
    a = write(tmp_path / "a", clusters={"c": {"server": "http://a"}}, contexts={"x": ("c", "")})
    b = write(tmp_path / "b", current="x")
    endpoint, name = select([a, b], None)
    assert name == "x" and endpoint is not None and endpoint.token == ""


def test_relative_paths_start_at_the_file_that_holds_the_entry(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "ca.crt").write_text("PEM")
    (tmp_path / "sub" / "token").write_text("t0k\n")
    a = write(tmp_path / "sub" / "a", current="x",
              clusters={"c": {"server": "https://h", "certificate-authority": "ca.crt"}},
              users={"u": {"tokenFile": "token"}}, contexts={"x": ("c", "u")})
    endpoint, _ = select([a], None)
    assert endpoint is not None
    sub = tmp_path / "sub"
    assert (endpoint.ca_file, endpoint.token_file) == (str(sub / "ca.crt"), str(sub / "token"))


def test_data_beats_the_file_form(tmp_path: Path) -> None:
    pem = b"-----BEGIN CERTIFICATE-----\n"
    a = write(tmp_path / "a", current="x", clusters={"c": {
        "server": "https://h", "certificate-authority": "missing.crt",
        "certificate-authority-data": base64.b64encode(pem).decode()}}, contexts={"x": ("c", "")})
    endpoint, _ = select([a], None)
    assert endpoint is not None and (endpoint.ca_file, endpoint.ca_data) == ("", pem)


def test_the_yaml_form_is_read_too(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters:\n- name: c\n  cluster:\n"
                    "    server: https://h:6443\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n"
                    "    token: abc\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n    namespace: n\n")
    endpoint, name = select([str(path)], None)
    assert name == "x" and endpoint is not None and endpoint.insecure and endpoint.token == "abc"


@pytest.mark.parametrize(("cluster", "user"), [
    ({"server": "https://h"}, {"exec": {"command": "oc"}}),
    ({"server": "https://h"}, {"auth-provider": {"name": "oidc"}}),
    ({"server": "https://h"}, {"username": "a", "password": "b"}),
    ({"server": "https://h"}, {"token": "t", "as": "someone"}),
    ({"server": "https://h", "proxy-url": "http://proxy:3128"}, {"token": "t"}),
    ({"server": "https://h", "tls-server-name": "api"}, {"token": "t"}),
    ({"server": "https://h", "insecure-skip-tls-verify": True, "certificate-authority-data": "UEVN"}, {}),
    ({"server": "https://h"}, {"client-certificate-data": "UEVN"}),  # no key
    ({"server": "https://h"}, {"tokenFile": "missing-token"}),
    ({"server": "https://h", "certificate-authority": "missing.crt"}, {}),
    ({}, {"token": "t"}),
])
def test_anything_else_goes_to_the_client_loader(tmp_path: Path, cluster: dict[str, Any], user: dict[str, Any]) -> None:
    a = write(tmp_path / "a", current="x", clusters={"c": cluster}, users={"u": user}, contexts={"x": ("c", "u")})
    assert select([a], None) == (None, "x")


def test_errors_go_to_the_client_loader_with_the_context_asked_for(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.write_text("clusters: [unclosed\n")
    assert select([str(broken)], None) == (None, None)
    assert select([str(broken)], "mine") == (None, "mine")
    a = write(tmp_path / "a", current="x", clusters={"c": {"server": "http://h"}}, contexts={"x": ("c", "nobody")})
    assert select([a], None) == (None, "x")  # a user named but not defined
    assert select([a], "unknown") == (None, "unknown")


def test_a_certificate_ssl_cannot_load_goes_to_the_client_loader(tmp_path: Path) -> None:
    (tmp_path / "ca.crt").write_text("not a certificate\n")
    path = write(tmp_path / "k", current="x", clusters={"c": {"server": "https://127.0.0.1:9",
                                                              "certificate-authority": "ca.crt"}},
                 contexts={"x": ("c", "")})
    assert select([path], None)[0] is not None  # static as far as the kubeconfig goes
    transport = open_transport(path)
    try:
        assert type(transport).__name__ == "ClientTransport"
    finally:
        transport.close()
