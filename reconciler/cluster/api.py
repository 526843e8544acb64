"""A thin seam over the transport: requests by method and API path, JSON in and out, our errors,
timeouts, bounded retries of reads, the field manager on every write.

Replies are parsed as plain dicts: typed models would validate every node of a large cluster for
nothing, and the rest of the adapter reads dicts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator, Mapping
from typing import Any
from urllib.parse import quote

import orjson

from reconciler import __version__
from reconciler.errors import ClusterError, Transient
from reconciler.records import record

from .errors import HttpFailure, Unreachable, translate
from .transport import JSON, Transport, target

Obj = dict[str, Any]
Params = Mapping[str, str | int | bool]
MCO_GROUP = "machineconfiguration.openshift.io"
MCO_VERSION = "v1"
FIELD_MANAGER = "layering-reconciler"  # named on every create, update and patch (managedFields show it)
USER_AGENT = f"layering-reconciler/{__version__}"
DEFAULT_NAMESPACE = "layering-reconciler"
_WRITES = ("POST", "PUT", "PATCH")  # the methods that take fieldManager


def path(group: str, version: str, plural: str, name: str = "", namespace: str = "") -> str:
    """`/api/v1[/namespaces/NS]/PLURAL[/NAME]`, or `/apis/GROUP/VERSION/…` for a named group."""
    root = f"/apis/{group}/{version}" if group else f"/api/{version}"
    scope = f"/namespaces/{quote(namespace, safe='')}" if namespace else ""
    return f"{root}{scope}/{plural}" + (f"/{quote(name, safe='')}" if name else "")


def mco(plural: str, name: str = "", version: str = MCO_VERSION) -> str:
    """A path of the machineconfiguration.openshift.io kinds (all cluster-scoped)."""
    return path(MCO_GROUP, version, plural, name)


def core(plural: str, name: str = "", namespace: str = "") -> str:
    return path("", "v1", plural, name, namespace)


@record
class RequestPolicy:
    """Timeouts for every request and the bounded retry of reads."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    read_attempts: int = 3
    retry_delay: float = 0.25  # doubled after each failed attempt

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)


class KubeApi:
    """Every request goes through `read`, `write` or `watch`; `namespace` is where our own objects live.
    `observe(method, url, reply bytes)`, when set, sees every answered request (benchmarks count them)."""

    def __init__(self, transport: Transport, policy: RequestPolicy | None = None,
                 namespace: str = DEFAULT_NAMESPACE) -> None:
        transport.user_agent = USER_AGENT
        self.transport = transport
        self.namespace = namespace
        self.policy = policy or RequestPolicy()
        self.allowed: dict[tuple[str, str, str], bool] = {}  # (verb, group, resource) → cluster-wide access
        self.observe: Callable[[str, str, int], None] | None = None

    def may(self, verb: str, group: str, resource: str) -> bool:
        """Whether this client may `verb` `resource` cluster-wide, asked once (SelfSubjectAccessReview)."""
        key = (verb, group, resource)
        if key not in self.allowed:
            review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                      "spec": {"resourceAttributes": {"verb": verb, "group": group, "resource": resource}}}
            reply = self.write(f"selfsubjectaccessreviews ({verb} {resource})", "POST",
                               path("authorization.k8s.io", "v1", "selfsubjectaccessreviews"), review)
            self.allowed[key] = bool((reply.get("status") or {}).get("allowed"))
        return self.allowed[key]

    @property
    def host(self) -> str:
        return self.transport.host

    def read(self, subject: str, api_path: str, query: Params | None = None) -> Obj:
        """A GET or LIST, retried a few times on transient errors."""
        delay = self.policy.retry_delay
        for attempt in range(1, self.policy.read_attempts + 1):
            try:
                return self._send(subject, "GET", api_path, query, None, JSON)
            except Transient:
                if attempt == self.policy.read_attempts:
                    raise
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def write(self, subject: str, method: str, api_path: str, body: Obj | None = None,
              query: Params | None = None, content_type: str = JSON) -> Obj:
        """One request, never retried (a write may have landed even when the reply was lost)."""
        if method in _WRITES:
            query = {"fieldManager": FIELD_MANAGER, **(query or {})}
        return self._send(subject, method, api_path, query, body, content_type)

    def watch(self, subject: str, api_path: str, query: Params, read_timeout: float) -> Generator[bytes, None, None]:
        """The newline-delimited events of one watch request, as they arrive; our errors."""
        pairs = _pairs(query)
        if self.observe is not None:
            self.observe("GET", target("", api_path, pairs), 0)
        lines = self.transport.stream(api_path, pairs, (self.policy.connect_timeout, read_timeout))
        try:
            yield from lines
        except (HttpFailure, Unreachable) as exc:
            raise translate(exc, subject) from None
        finally:
            lines.close()

    def _send(self, subject: str, method: str, api_path: str, query: Params | None, body: Obj | None,
              content_type: str) -> Obj:
        pairs = _pairs(query)
        try:
            raw = self.transport.request(method, api_path, pairs, body, content_type, self.policy.timeout)
        except HttpFailure as exc:
            self._observed(method, api_path, pairs, len(exc.body))
            raise translate(exc, subject) from None
        except Unreachable as exc:
            raise translate(exc, subject) from None
        self._observed(method, api_path, pairs, len(raw))
        return _parse(raw, subject)

    def _observed(self, method: str, api_path: str, pairs: list[tuple[str, str]], size: int) -> None:
        if self.observe is not None:
            self.observe(method, target("", api_path, pairs), size)

    def close(self) -> None:
        self.transport.close()


def _pairs(query: Params | None) -> list[tuple[str, str]]:
    """Query parameters as the API takes them (booleans as true/false)."""
    return [(k, ("true" if v else "false") if isinstance(v, bool) else str(v)) for k, v in (query or {}).items()]


def decode(raw: bytes | str) -> Any:
    """JSON from the API server: orjson (a 500-pool LIST is 2.6 MB, decoded in a third of json's time),
    and the standard library for what orjson refuses (lone surrogates, NaN). Numbers come out as
    the API server holds them: it decodes every object it stores into int64 or float64, and orjson
    reads integers up to 64 bits exactly (one past that would be a float). ValueError: no JSON."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def _parse(raw: bytes, subject: str) -> Obj:
    if not raw:
        return {}
    try:
        parsed = decode(raw)
    except ValueError:
        raise ClusterError(f"{subject}: the API server sent a reply that is not JSON") from None
    if not isinstance(parsed, dict):
        raise ClusterError(f"{subject}: the API server sent an unexpected reply") from None
    return parsed
