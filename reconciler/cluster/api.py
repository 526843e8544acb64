"""A thin, typed seam over the Kubernetes client: JSON in, JSON out, our errors, timeouts, retries.

Responses are read raw (`_preload_content=False`) and parsed as plain dicts: the client's typed models
would validate every node of a large cluster for nothing, and the rest of the adapter reads dicts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import urllib3
from kubernetes.client import ApiClient, AuthorizationV1Api, CoreV1Api, CustomObjectsApi
from kubernetes.client.exceptions import ApiException

from reconciler import __version__
from reconciler.errors import ClusterError, Transient

from .errors import translate

Obj = dict[str, Any]
MCO_GROUP = "machineconfiguration.openshift.io"
MCO_VERSION = "v1"
FIELD_MANAGER = "layering-reconciler"  # named on every create, update and patch (managedFields show it)
USER_AGENT = f"layering-reconciler/{__version__}"
DEFAULT_NAMESPACE = "layering-reconciler"
_WRITES = ("create_", "replace_", "patch_")  # the client methods that take field_manager


@dataclass(frozen=True)
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
    """Every request goes through `read` or `write`; `namespace` is where our own objects live."""

    def __init__(self, api_client: ApiClient, policy: RequestPolicy | None = None,
                 namespace: str = DEFAULT_NAMESPACE) -> None:
        api_client.user_agent = USER_AGENT
        self.client = api_client
        self.namespace = namespace
        self.core = CoreV1Api(api_client)
        self.custom = CustomObjectsApi(api_client)
        self.policy = policy or RequestPolicy()
        self.allowed: dict[tuple[str, str, str], bool] = {}  # (verb, group, resource) → cluster-wide access

    def may(self, verb: str, group: str, resource: str) -> bool:
        """Whether this client may `verb` `resource` cluster-wide, asked once (SelfSubjectAccessReview)."""
        key = (verb, group, resource)
        if key not in self.allowed:
            review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                      "spec": {"resourceAttributes": {"verb": verb, "group": group, "resource": resource}}}
            reply = self.write(f"selfsubjectaccessreviews ({verb} {resource})",
                               AuthorizationV1Api(self.client).create_self_subject_access_review, review)
            self.allowed[key] = bool((reply.get("status") or {}).get("allowed"))
        return self.allowed[key]

    @property
    def host(self) -> str:
        return str(self.client.configuration.host)

    def read(self, subject: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Obj:
        """A GET or LIST, retried a few times on transient errors."""
        delay = self.policy.retry_delay
        for attempt in range(1, self.policy.read_attempts + 1):
            try:
                return self._send(subject, call, *args, **kwargs)
            except Transient:
                if attempt == self.policy.read_attempts:
                    raise
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def write(self, subject: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Obj:
        """One request, never retried (a write may have landed even when the reply was lost)."""
        if getattr(call, "__name__", "").startswith(_WRITES):
            kwargs.setdefault("field_manager", FIELD_MANAGER)
        return self._send(subject, call, *args, **kwargs)

    def _send(self, subject: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Obj:
        try:
            response = call(*args, _preload_content=False, _request_timeout=self.policy.timeout, **kwargs)
            raw = response.data
        except (ApiException, urllib3.exceptions.HTTPError) as exc:
            raise translate(exc, subject) from None
        return _parse(raw, subject)

    def close(self) -> None:
        self.client.close()


def _parse(raw: bytes, subject: str) -> Obj:
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise ClusterError(f"{subject}: the API server sent a reply that is not JSON") from None
    if not isinstance(parsed, dict):
        raise ClusterError(f"{subject}: the API server sent an unexpected reply")
    return parsed
