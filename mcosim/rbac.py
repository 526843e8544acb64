"""RBAC rule evaluation as Kubernetes' RBAC authorizer does it (no aggregation).

Pure: given a user, the request's attributes and the stored Roles, ClusterRoles and bindings,
decide allow or deny, or list the rules a user holds in a namespace (SelfSubjectRulesReview).
Every authenticated user also holds the cluster's default discovery and self-review rules
(`system:discovery`, `system:basic-user`, `system:public-info-viewer`), built in here instead of stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]
SA_PREFIX = "system:serviceaccount:"
AUTHENTICATED = "system:authenticated"


@dataclass(frozen=True)
class User:
    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""

    @classmethod
    def service_account(cls, namespace: str, name: str, uid: str = "") -> User:
        groups = ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", AUTHENTICATED)
        return cls(f"{SA_PREFIX}{namespace}:{name}", groups, uid)

    @property
    def service_account_ref(self) -> tuple[str, str] | None:
        """(namespace, name) for a service account user."""
        if not self.name.startswith(SA_PREFIX):
            return None
        namespace, _, name = self.name.removeprefix(SA_PREFIX).partition(":")
        return namespace, name


@dataclass(frozen=True)
class Request:
    """The authorizer attributes of one request. A non-resource request has `path` set."""

    verb: str
    group: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    namespace: str = ""
    path: str = ""

    @property
    def is_resource(self) -> bool:
        return not self.path


@dataclass(frozen=True)
class Policy:
    """The stored RBAC objects (each a plain API dict)."""

    roles: tuple[Obj, ...] = ()
    cluster_roles: tuple[Obj, ...] = ()
    role_bindings: tuple[Obj, ...] = ()
    cluster_role_bindings: tuple[Obj, ...] = ()


@dataclass
class Decision:
    allowed: bool
    reason: str = ""
    errors: list[str] = field(default_factory=list)


_DISCOVERY_URLS = ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*",
                   "/readyz", "/version", "/version/"]
DEFAULT_RULES: tuple[Obj, ...] = (  # bound to system:authenticated by a real cluster's bootstrap policy
    {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
     "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]},
    {"verbs": ["get"], "nonResourceURLs": _DISCOVERY_URLS},
)


# ---- matching (pkg/apis/rbac/v1/evaluation_helpers.go) --------------------------------------------
def _has(values: Iterable[str], wanted: str) -> bool:
    values = list(values)
    return "*" in values or wanted in values


def _resource_matches(rule: Obj, req: Request) -> bool:
    combined = f"{req.resource}/{req.subresource}" if req.subresource else req.resource
    for candidate in rule.get("resources") or ():
        if candidate in ("*", combined):
            return True
        if req.subresource and candidate == f"*/{req.subresource}":
            return True
    return False


def _path_matches(rule: Obj, path: str) -> bool:
    for url in rule.get("nonResourceURLs") or ():
        if url in ("*", path) or (url.endswith("*") and path.startswith(url[:-1])):
            return True
    return False


def rule_allows(rule: Obj, req: Request) -> bool:
    if not _has(rule.get("verbs") or (), req.verb):
        return False
    if not req.is_resource:
        return _path_matches(rule, req.path)
    names = rule.get("resourceNames") or []
    return (_has(rule.get("apiGroups") or (), req.group) and _resource_matches(rule, req)
            and (not names or req.name in names))


# ---- bindings --------------------------------------------------------------------------------------
def _subject_matches(subject: Obj, user: User, binding_namespace: str) -> bool:
    kind, name = subject.get("kind"), subject.get("name")
    if kind == "User":
        return bool(name == user.name)
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        namespace = subject.get("namespace") or binding_namespace
        return user.service_account_ref == (namespace, name)
    return False


def _binds(binding: Obj, user: User) -> bool:
    namespace = (binding.get("metadata") or {}).get("namespace", "")
    return any(_subject_matches(s, user, namespace) for s in binding.get("subjects") or ())


def _by_name(objs: Iterable[Obj], namespace: str = "") -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in objs if (o["metadata"].get("namespace") or "") == namespace}


def _role_of(policy: Policy, binding: Obj, errors: list[str]) -> tuple[str, Obj | None]:
    ref = binding.get("roleRef") or {}
    namespace = (binding.get("metadata") or {}).get("namespace", "")
    if ref.get("kind") == "Role" and namespace:
        found = _by_name(policy.roles, namespace).get(ref.get("name", ""))
        label = f'role.rbac.authorization.k8s.io "{ref.get("name")}" not found'
    else:
        found = _by_name(policy.cluster_roles).get(ref.get("name", ""))
        label = f'clusterrole.rbac.authorization.k8s.io "{ref.get("name")}" not found'
    if found is None:
        errors.append(label)
    return f'{ref.get("kind")} "{ref.get("name")}"', found


def _granted_rules(policy: Policy, user: User, namespace: str, errors: list[str]) -> Iterator[tuple[str, Obj]]:
    """(where the rule comes from, rule) for every rule the user holds at the namespace ("" = cluster)."""
    if AUTHENTICATED in user.groups:
        for rule in DEFAULT_RULES:
            yield 'the default ClusterRoles bound to Group "system:authenticated"', rule
    for binding in policy.cluster_role_bindings:
        if _binds(binding, user):
            role_label, role = _role_of(policy, binding, errors)
            for rule in (role or {}).get("rules") or ():
                yield f'ClusterRoleBinding "{binding["metadata"]["name"]}" of {role_label}', rule
    if not namespace:
        return
    for binding in policy.role_bindings:
        if binding["metadata"].get("namespace") == namespace and _binds(binding, user):
            role_label, role = _role_of(policy, binding, errors)
            for rule in (role or {}).get("rules") or ():
                yield f'RoleBinding "{binding["metadata"]["name"]}/{namespace}" of {role_label}', rule


def authorize(policy: Policy, user: User, req: Request) -> Decision:
    errors: list[str] = []
    for source, rule in _granted_rules(policy, user, req.namespace if req.is_resource else "", errors):
        if rule_allows(rule, req):
            return Decision(True, f"RBAC: allowed by {source} to User \"{user.name}\"")
    reason = f"RBAC: [{', '.join(errors)}]" if errors else ""
    return Decision(False, reason, errors)


def rules_for(policy: Policy, user: User, namespace: str) -> tuple[list[Obj], list[Obj], list[str]]:
    """(resource rules, non-resource rules, evaluation errors) the user holds in the namespace."""
    errors: list[str] = []
    resource_rules: list[Obj] = []
    non_resource: list[Obj] = []
    for _, rule in _granted_rules(policy, user, namespace, errors):
        if rule.get("nonResourceURLs"):
            non_resource.append({"verbs": list(rule.get("verbs") or []),
                                 "nonResourceURLs": list(rule["nonResourceURLs"])})
        else:
            entry: Obj = {"verbs": list(rule.get("verbs") or []), "apiGroups": list(rule.get("apiGroups") or []),
                          "resources": list(rule.get("resources") or [])}
            if rule.get("resourceNames"):
                entry["resourceNames"] = list(rule["resourceNames"])
            resource_rules.append(entry)
    return resource_rules, non_resource, errors


def forbidden_message(user: User, req: Request, reason: str = "") -> str:
    """The API server's 403 text (endpoints/handlers/responsewriters/errors.go and NewForbidden)."""
    if not req.is_resource:
        text = f'forbidden: User "{user.name}" cannot {req.verb} path "{req.path}"'
    else:
        resource = f"{req.resource}/{req.subresource}" if req.subresource else req.resource
        scope = f'in the namespace "{req.namespace}"' if req.namespace else "at the cluster scope"
        detail = f'User "{user.name}" cannot {req.verb} resource "{resource}" in API group "{req.group}" {scope}'
        qualified = f"{req.resource}.{req.group}" if req.group else req.resource
        text = (f'{qualified} "{req.name}" is forbidden: {detail}' if req.name
                else f"{qualified} is forbidden: {detail}")
    return f"{text}: {reason}" if reason else text
