"""KubeApi's request policy: reads retry transient failures a bounded number of times, writes never."""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

import pytest

from reconciler.cluster.api import KubeApi, RequestPolicy
from reconciler.cluster.errors import HttpFailure, Unreachable, translate
from reconciler.errors import Conflict, Forbidden, NotFound, Refused, Transient


class Flaky:
    """A transport whose connection fails `failures` times, then answers (the policy under test is
    KubeApi's, above the transport seam)."""

    user_agent = ""
    host = "http://127.0.0.1:9"

    def __init__(self, failures: int) -> None:
        self.failures, self.calls = failures, 0
        self.sent: tuple[Any, ...] = ()

    def request(self, method: str, path: str, query: Any, body: Any, content_type: str,
                timeout: tuple[float, float]) -> bytes:
        self.calls += 1
        self.sent = (method, path, list(query), body, timeout)
        if self.calls <= self.failures:
            raise Unreachable("connection failed", "", "ConnectionRefusedError")
        return b'{"items": []}'

    def stream(self, path: str, query: Any, timeout: tuple[float, float]) -> Generator[bytes, None, None]:
        yield from ()

    def close(self) -> None:
        pass


def api(transport: Flaky, attempts: int = 3) -> KubeApi:
    policy = RequestPolicy(connect_timeout=1.5, read_timeout=4.0, read_attempts=attempts, retry_delay=0.0)
    return KubeApi(transport, policy)


def test_reads_retry_then_succeed_with_timeouts_set() -> None:
    call = Flaky(failures=2)
    assert api(call, attempts=3).read("nodes", "/api/v1/nodes", {"limit": 5}) == {"items": []}
    assert call.calls == 3
    assert call.sent == ("GET", "/api/v1/nodes", [("limit", "5")], None, (1.5, 4.0))


def test_reads_give_up_after_the_bound() -> None:
    call = Flaky(failures=5)
    with pytest.raises(Transient, match=r"^nodes: cannot reach the API server: connection failed"):
        api(call, attempts=3).read("nodes", "/api/v1/nodes")
    assert call.calls == 3


def test_writes_are_sent_once() -> None:
    call = Flaky(failures=1)
    with pytest.raises(Transient):
        api(call).write("MachineConfig/x", "POST", "/apis/machineconfiguration.openshift.io/v1/machineconfigs", {})
    assert call.calls == 1


@pytest.mark.parametrize(("method", "manager"), [("POST", True), ("PUT", True), ("PATCH", True), ("DELETE", False),
                                                 ("GET", False)])
def test_the_field_manager_is_named_on_creates_updates_and_patches(method: str, manager: bool) -> None:
    call = Flaky(failures=0)
    api(call).write("MachineConfig/x", method, "/apis/machineconfiguration.openshift.io/v1/machineconfigs/x", {})
    assert (("fieldManager", "layering-reconciler") in call.sent[2]) is manager


def status_error(code: int, reason: str, message: str) -> HttpFailure:
    body = {"kind": "Status", "status": "Failure", "reason": reason, "message": message, "code": code}
    return HttpFailure(code, reason, json.dumps(body))


@pytest.mark.parametrize(
    ("code", "reason", "kind"),
    [
        (404, "NotFound", NotFound),
        (409, "Conflict", Conflict),
        (409, "AlreadyExists", Conflict),
        (403, "Forbidden", Forbidden),
        (422, "Invalid", Refused),
        (415, "UnsupportedMediaType", Refused),
        (429, "TooManyRequests", Transient),
        (500, "InternalError", Transient),
        (503, "ServiceUnavailable", Transient),
    ],
)
def test_status_codes_map_to_the_error_tree(code: int, reason: str, kind: type[Exception]) -> None:
    error = translate(status_error(code, reason, "details here"), "MachineConfig/99-layering-worker")
    assert type(error) is kind
    assert str(error).startswith("MachineConfig/99-layering-worker: ")
    assert "details here" in str(error)
    if isinstance(error, Refused):
        assert (error.status, error.reason) == (code, reason)


def test_messages_never_carry_credentials() -> None:
    error = translate(status_error(401, "Unauthorized", "Bearer abc.def.ghi rejected"), "nodes")
    assert "abc.def.ghi" not in str(error) and "<redacted>" in str(error)
