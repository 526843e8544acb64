"""Who is asking, and may they: service-account tokens, RBAC enforcement and the self-review APIs.

- No Authorization header, or the admin token of the simulator's kubeconfig: unrestricted (the admin).
- A token issued by the TokenRequest subresource (`kubectl create token SA -n NS`): the service account,
  authorized by RBAC on every request (mcosim.rbac). Any other token: 401 Unauthorized.

Tokens are HMAC-signed JWT-shaped strings naming the service account and its uid; they stop working when
the account is deleted (or recreated) and when they expire (in real time, whatever the simulated clock).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from .. import rbac
from ..clock import rfc3339
from ..errors import ApiError, bad_request, not_found
from ..resources import (
    ACCESS_REVIEWS,
    CLUSTER_ROLE_BINDINGS,
    CLUSTER_ROLES,
    ROLE_BINDINGS,
    ROLES,
    RULES_REVIEWS,
    SERVICE_ACCOUNTS,
)
from ..store import Store
from . import protobuf
from .resources_api import Call, Reply, parse_json
from .routing import Route

Obj = dict[str, Any]
ADMIN_TOKEN = "sim-token"
DEFAULT_EXPIRATION = 3600
MIN_EXPIRATION = 600


@dataclass(frozen=True)
class Denial:
    user: str
    verb: str
    message: str


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized", "Unauthorized")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def request_of(verb: str, route: Route, query: dict[str, str]) -> rbac.Request:
    """The authorizer attributes; a list or watch limited to one name by fieldSelector names it."""
    name = route.name or ""
    if not name and verb in ("list", "watch"):
        for term in (query.get("fieldSelector") or "").split(","):
            key, _, value = term.partition("=")
            if key.strip() == "metadata.name" and not value.startswith("="):
                name = value.strip()
    return rbac.Request(verb, route.rt.group, route.rt.plural, route.subresource or "", name,
                        route.namespace or "")


class Auth:
    def __init__(self, store: Store, admin_token: str = ADMIN_TOKEN) -> None:
        self.store = store
        self.admin_token = admin_token
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self.denials: list[Denial] = []  # every 403 answered, for tests and `/sim/auth`

    # ---- authentication ---------------------------------------------------------------------------
    def identity(self, authorization: str | None, impersonate: str | None = None,
                 groups: tuple[str, ...] = ()) -> rbac.User | None:
        """None for the admin; the service account of a valid token; 401 for anything else.

        The admin may act as another user (`kubectl --as USER [--as-group G]`: Impersonate-* headers).
        """
        user = self._authenticated(authorization)
        if impersonate is None:
            return user
        if user is not None:  # only the admin holds `impersonate`
            raise ApiError(403, "Forbidden", f'users "{impersonate}" is forbidden: User "{user.name}" cannot '
                           'impersonate resource "users" in API group "" at the cluster scope')
        account = rbac.User(impersonate).service_account_ref
        if account is not None:
            return rbac.User.service_account(*account)
        return rbac.User(impersonate, (*groups, rbac.AUTHENTICATED))

    def _authenticated(self, authorization: str | None) -> rbac.User | None:
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise unauthorized()
        if hmac.compare_digest(token.encode(), self.admin_token.encode()):
            return None
        user = self._verify(token)
        if user is None:
            raise unauthorized()
        return user

    def issue(self, namespace: str, name: str, uid: str, seconds: int) -> tuple[str, float]:
        expires = time.time() + seconds
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {"sub": f"{rbac.SA_PREFIX}{namespace}:{name}", "ns": namespace, "sa": name, "uid": uid,
                  "exp": int(expires), "jti": secrets.token_hex(8)}
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = _b64(hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        return f"{header}.{payload}.{signature}", expires

    def _verify(self, token: str) -> rbac.User | None:
        parts = token.split(".")
        if len(parts) != 3:
            return None
        expected = _b64(hmac.new(self._key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, parts[2]):
            return None
        try:
            claims = json.loads(_unb64(parts[1]))
        except ValueError:
            return None
        if not isinstance(claims, dict) or float(claims.get("exp", 0)) < time.time():
            return None
        account = self.store.try_get(SERVICE_ACCOUNTS, str(claims.get("sa")), str(claims.get("ns")))
        if account is None or account["metadata"].get("uid") != claims.get("uid"):
            return None
        return rbac.User.service_account(str(claims["ns"]), str(claims["sa"]), str(claims["uid"]))

    # ---- authorization ----------------------------------------------------------------------------
    def policy(self) -> rbac.Policy:
        def items(rt: Any) -> tuple[Obj, ...]:
            return tuple(self.store.list(rt)[0])

        return rbac.Policy(items(ROLES), items(CLUSTER_ROLES), items(ROLE_BINDINGS), items(CLUSTER_ROLE_BINDINGS))

    def check(self, user: rbac.User | None, req: rbac.Request) -> None:
        """Raise 403 Forbidden (the API server's Status) unless the user may; the admin always may."""
        if user is None:
            return
        decision = rbac.authorize(self.policy(), user, req)
        if decision.allowed:
            return
        message = rbac.forbidden_message(user, req, decision.reason)
        with self._lock:
            self.denials.append(Denial(user.name, req.verb, message))
        details: Obj | None = {"name": req.name, "group": req.group, "kind": req.resource} if req.is_resource \
            else None
        if details is not None and not req.name:
            details.pop("name")
        raise ApiError(403, "Forbidden", message, details)

    # ---- the APIs that answer from identity, not the store ----------------------------------------
    def serves(self, route: Route) -> bool:
        return route.rt in (ACCESS_REVIEWS, RULES_REVIEWS) or (
            route.rt is SERVICE_ACCOUNTS and route.subresource == "token")

    def serve(self, user: rbac.User | None, verb: str, call: Call) -> Reply:
        route = call.route
        if verb != "create" or (route.rt is not SERVICE_ACCOUNTS and not route.is_collection):
            raise ApiError(405, "MethodNotAllowed",
                           "the server does not allow this method on the requested resource")
        body = self._body(route, call)
        if route.rt is SERVICE_ACCOUNTS:
            answer = self._token_request(route, body)
        elif route.rt is ACCESS_REVIEWS:
            answer = self._access_review(user, body)
        else:
            answer = self._rules_review(user, body)
        return Reply(201, json.dumps(answer).encode())

    @staticmethod
    def _body(route: Route, call: Call) -> Obj:
        if call.content_type == protobuf.MEDIA_TYPE:  # kubectl's typed clients
            if route.rt is SERVICE_ACCOUNTS:
                return protobuf.token_request(call.body)
            return (protobuf.access_review if route.rt is ACCESS_REVIEWS else protobuf.rules_review)(call.body)
        body = parse_json(call.body, required=False) or {}
        if not isinstance(body, dict):
            raise bad_request("the request body must be a JSON object")
        return body

    def _token_request(self, route: Route, body: Obj) -> Obj:
        namespace, name = route.namespace or "", route.name or ""
        account = self.store.try_get(SERVICE_ACCOUNTS, name, namespace)
        if account is None:
            raise not_found("serviceaccounts", "", name)
        spec = dict(body.get("spec") or {})
        seconds = int(spec.get("expirationSeconds") or DEFAULT_EXPIRATION)
        if seconds < MIN_EXPIRATION:
            raise ApiError(422, "Invalid", f'TokenRequest.authentication.k8s.io "{name}" is invalid: '
                           "spec.expirationSeconds: Invalid value: may not specify a duration less than 10 "
                           "minutes", {"name": name, "group": "authentication.k8s.io", "kind": "TokenRequest"})
        token, expires = self.issue(namespace, name, account["metadata"]["uid"], seconds)
        spec["expirationSeconds"] = seconds
        spec.setdefault("audiences", ["https://kubernetes.default.svc"])
        return {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                "metadata": {"name": name, "namespace": namespace,
                             "creationTimestamp": rfc3339(self.store.clock.now())},
                "spec": spec, "status": {"token": token, "expirationTimestamp": rfc3339(expires)}}

    def _access_review(self, user: rbac.User | None, body: Obj) -> Obj:
        spec = body.get("spec") or {}
        resource, non_resource = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
        if isinstance(resource, dict):
            req = rbac.Request(str(resource.get("verb") or ""), str(resource.get("group") or ""),
                               str(resource.get("resource") or ""), str(resource.get("subresource") or ""),
                               str(resource.get("name") or ""), str(resource.get("namespace") or ""))
        elif isinstance(non_resource, dict):
            req = rbac.Request(str(non_resource.get("verb") or ""), path=str(non_resource.get("path") or "/"))
        else:
            raise ApiError(422, "Invalid", "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: "
                           "spec.resourceAttributes: Invalid value: \"null\": exactly one of "
                           "nonResourceAttributes or resourceAttributes must be specified")
        if user is None:
            status: Obj = {"allowed": True, "reason": "the simulator's admin credentials are unrestricted"}
        else:
            decision = rbac.authorize(self.policy(), user, req)
            status = {"allowed": decision.allowed}
            if decision.reason:
                status["reason"] = decision.reason
        return _review(ACCESS_REVIEWS.kind, spec, status)

    def _rules_review(self, user: rbac.User | None, body: Obj) -> Obj:
        spec = body.get("spec") or {}
        namespace = str(spec.get("namespace") or "")
        if user is None:
            rules: list[Obj] = [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]
            status: Obj = {"resourceRules": rules, "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
                           "incomplete": False}
        else:
            resource_rules, non_resource, errors = rbac.rules_for(self.policy(), user, namespace)
            status = {"resourceRules": resource_rules, "nonResourceRules": non_resource, "incomplete": bool(errors)}
            if errors:
                status["evaluationError"] = "; ".join(errors)
        return _review(RULES_REVIEWS.kind, spec, status)

    def denial_report(self) -> Obj:
        with self._lock:
            return {"count": len(self.denials),
                    "denials": [{"user": d.user, "verb": d.verb, "message": d.message} for d in self.denials]}


def _review(kind: str, spec: Obj, status: Obj) -> Obj:
    return {"kind": kind, "apiVersion": "authorization.k8s.io/v1", "metadata": {"creationTimestamp": None},
            "spec": copy.deepcopy(spec), "status": status}
