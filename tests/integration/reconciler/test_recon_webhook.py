"""The webhook receivers over real HTTP on 127.0.0.1: signatures of each flavour, 401 without one,
413 over 1 MiB, GitHub's ping, pushes to other refs ignored; only accepted hooks ask for a pass."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.controller.webhook import MAX_BODY, WebhookServer, authentic, concerns, signature

SECRET = b"hook-secret"


@pytest.fixture
def hooks() -> Iterator[tuple[WebhookServer, list[int]]]:
    pushes: list[int] = []
    server = WebhookServer(SECRET, "main", lambda: pushes.append(1), "127.0.0.1", 0).start()
    yield server, pushes
    server.stop()


def post(server: WebhookServer, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("POST", path, body=body, headers=headers)
        reply = conn.getresponse()
        return reply.status, json.loads(reply.read())["message"]
    finally:
        conn.close()


def announce_big_body(server: WebhookServer) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest("POST", "/hook/generic")
        conn.putheader("Content-Length", str(MAX_BODY + 1))
        conn.putheader("X-Signature", "sha256=" + "0" * 64)
        conn.endheaders()
        return conn.getresponse().status
    finally:
        conn.close()


PUSH = json.dumps({"ref": "refs/heads/main", "repository": {"default_branch": "main"}}).encode()


def test_each_flavour_accepts_its_signature_and_refuses_others(hooks: tuple[WebhookServer, list[int]]) -> None:
    server, pushes = hooks
    good = signature(SECRET, PUSH)
    assert post(server, "/hook/github", PUSH, {"X-Hub-Signature-256": good, "X-GitHub-Event": "push"})[0] == 202
    assert post(server, "/hook/gitlab", PUSH, {"X-Gitlab-Token": SECRET.decode()})[0] == 202
    assert post(server, "/hook/generic", PUSH, {"X-Signature": good})[0] == 202
    assert len(pushes) == 3
    bad = signature(b"other", PUSH)
    for path, headers in [("/hook/github", {"X-Hub-Signature-256": bad}), ("/hook/github", {"X-Signature": good}),
                          ("/hook/gitlab", {"X-Gitlab-Token": "wrong"}), ("/hook/gitlab", {}),
                          ("/hook/generic", {"X-Signature": good.replace("sha256=", "")}),
                          ("/hook/generic", {})]:
        assert post(server, path, PUSH, headers) == (401, "missing or bad signature"), (path, headers)
    assert len(pushes) == 3


def test_ping_other_refs_size_limit_and_unknown_paths(hooks: tuple[WebhookServer, list[int]]) -> None:
    server, pushes = hooks
    ping = b'{"zen": "Keep it logically awesome."}'
    assert post(server, "/hook/github", ping, {"X-Hub-Signature-256": signature(SECRET, ping),
                                                "X-GitHub-Event": "ping"}) == (200, "pong")
    other = b'{"ref": "refs/heads/feature"}'
    status, message = post(server, "/hook/generic", other, {"X-Signature": signature(SECRET, other)})
    assert status == 200 and "not the followed ref" in message
    assert announce_big_body(server) == 413  # answered from the header: the body is never read
    assert post(server, "/hook/nothing", PUSH, {"X-Signature": signature(SECRET, PUSH)})[0] == 404
    assert pushes == []
    empty = b""
    assert post(server, "/hook/generic", empty, {"X-Signature": signature(SECRET, empty)})[0] == 202
    assert pushes == [1]  # a generic hook without a ref asks for a pass


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=256), forged=st.binary(min_size=1, max_size=64))
def test_only_the_body_s_own_hmac_passes(body: bytes, forged: bytes) -> None:
    right = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    assert authentic("/hook/generic", {"X-Signature": right}, SECRET, body)
    assert not authentic("/hook/generic", {"X-Signature": signature(forged, body)}, SECRET, body) or forged == SECRET
    assert not authentic("/hook/generic", {"X-Signature": right}, SECRET, body + b"x")


def test_which_pushes_concern_the_followed_ref() -> None:
    assert concerns("main", "refs/heads/main", None) and concerns("v1", "refs/tags/v1", None)
    assert not concerns("main", "refs/heads/dev", None)
    assert concerns(None, "refs/heads/trunk", "trunk") and not concerns(None, "refs/heads/dev", "trunk")
    assert concerns(None, "refs/heads/dev", None)  # the default branch is unknown: better one pass too many
    assert concerns("main", None, None)
