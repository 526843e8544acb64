"""KubeApi's request policy: reads retry transient failures a bounded number of times, writes never."""

from __future__ import annotations

import json
from typing import Any

import pytest
import urllib3
from kubernetes.client import ApiClient, Configuration
from kubernetes.client.exceptions import ApiException

from reconciler.cluster.api import KubeApi, RequestPolicy
from reconciler.cluster.errors import translate
from reconciler.errors import Conflict, Forbidden, NotFound, Refused, Transient


class Reply:
    def __init__(self, body: bytes) -> None:
        self.data = body


class Flaky:
    """A client call that fails `failures` times with a connection error, then answers."""

    def __init__(self, failures: int) -> None:
        self.failures, self.calls = failures, 0
        self.kwargs: dict[str, Any] = {}

    def __call__(self, *args: Any, **kwargs: Any) -> Reply:
        self.calls += 1
        self.kwargs = kwargs
        if self.calls <= self.failures:
            raise urllib3.exceptions.NewConnectionError(None, "refused")  # type: ignore[arg-type]
        return Reply(b'{"items": []}')


def api(attempts: int = 3) -> KubeApi:
    policy = RequestPolicy(connect_timeout=1.5, read_timeout=4.0, read_attempts=attempts, retry_delay=0.0)
    return KubeApi(ApiClient(Configuration()), policy)


def test_reads_retry_then_succeed_with_timeouts_set() -> None:
    call = Flaky(failures=2)
    assert api(attempts=3).read("nodes", call) == {"items": []}
    assert call.calls == 3
    assert call.kwargs["_request_timeout"] == (1.5, 4.0) and call.kwargs["_preload_content"] is False


def test_reads_give_up_after_the_bound() -> None:
    call = Flaky(failures=5)
    with pytest.raises(Transient, match=r"^nodes: cannot reach the API server: connection failed"):
        api(attempts=3).read("nodes", call)
    assert call.calls == 3


def test_writes_are_sent_once() -> None:
    call = Flaky(failures=1)
    with pytest.raises(Transient):
        api().write("MachineConfig/x", call)
    assert call.calls == 1


def status_error(code: int, reason: str, message: str) -> ApiException:
    body = {"kind": "Status", "status": "Failure", "reason": reason, "message": message, "code": code}
    return ApiException(status=code, reason=reason, body=json.dumps(body))


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
