"""The simulator's RBAC evaluation: Kubernetes' matching rules on examples, and properties over random
policies (more rules never deny more, resourceNames never reach another name, a RoleBinding never
reaches another namespace)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mcosim.rbac import Policy, Request, User, authorize, forbidden_message, rule_allows, rules_for

SA = User.service_account("ns1", "bot")
Obj = dict[str, Any]


def role(name: str, rules: list[Obj], namespace: str = "") -> Obj:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"metadata": meta, "rules": rules}


def binding(name: str, kind: str, role_name: str, namespace: str = "", subject: Obj | None = None) -> Obj:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"metadata": meta, "roleRef": {"kind": kind, "name": role_name},
            "subjects": [subject or {"kind": "ServiceAccount", "name": "bot", "namespace": "ns1"}]}


def test_rule_matching_follows_kubernetes() -> None:
    rule = {"verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["state"]}
    assert rule_allows(rule, Request("get", "", "configmaps", name="state", namespace="x"))
    assert not rule_allows(rule, Request("get", "", "configmaps", name="other", namespace="x"))
    assert not rule_allows(rule, Request("list", "", "configmaps", namespace="x"))
    assert not rule_allows(rule, Request("get", "apps", "configmaps", name="state"))
    sub = {"verbs": ["create"], "apiGroups": [""], "resources": ["serviceaccounts/token"]}
    assert rule_allows(sub, Request("create", "", "serviceaccounts", "token", "bot"))
    assert not rule_allows(sub, Request("create", "", "serviceaccounts", name="bot"))
    assert rule_allows({"verbs": ["get"], "apiGroups": [""], "resources": ["*/status"]},
                       Request("get", "", "pods", "status", "p"))
    assert not rule_allows({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]},
                           Request("get", "", "pods", "status", "p"))
    urls = {"verbs": ["get"], "nonResourceURLs": ["/apis/*", "/version"]}
    assert rule_allows(urls, Request("get", path="/apis/apps/v1"))
    assert rule_allows(urls, Request("get", path="/version"))
    assert not rule_allows(urls, Request("get", path="/version/openshift"))


def test_cluster_and_namespaced_bindings() -> None:
    reader = {"verbs": ["list"], "apiGroups": [""], "resources": ["configmaps"]}
    policy = Policy(roles=(role("r", [reader], "ns1"),), cluster_roles=(role("c", [reader]),),
                    role_bindings=(binding("rb", "Role", "r", "ns1"), binding("crb-in-ns2", "ClusterRole", "c", "ns2")))
    assert authorize(policy, SA, Request("list", "", "configmaps", namespace="ns1")).allowed
    assert authorize(policy, SA, Request("list", "", "configmaps", namespace="ns2")).allowed
    assert not authorize(policy, SA, Request("list", "", "configmaps", namespace="ns3")).allowed
    assert not authorize(policy, SA, Request("list", "", "configmaps")).allowed  # all namespaces
    everywhere = Policy(cluster_roles=(role("c", [reader]),),
                        cluster_role_bindings=(binding("crb", "ClusterRole", "c"),))
    assert authorize(everywhere, SA, Request("list", "", "configmaps")).allowed
    by_group = Policy(cluster_roles=(role("c", [reader]),), cluster_role_bindings=(
        binding("crb", "ClusterRole", "c", subject={"kind": "Group", "name": "system:serviceaccounts:ns1"}),))
    assert authorize(by_group, SA, Request("list", "", "configmaps")).allowed
    assert not authorize(by_group, User.service_account("ns2", "bot"), Request("list", "", "configmaps")).allowed


def test_a_binding_to_a_missing_role_says_so() -> None:
    policy = Policy(cluster_role_bindings=(binding("crb", "ClusterRole", "gone"),))
    decision = authorize(policy, SA, Request("list", "", "nodes"))
    assert not decision.allowed
    assert decision.reason == 'RBAC: [clusterrole.rbac.authorization.k8s.io "gone" not found]'
    _, _, errors = rules_for(policy, SA, "ns1")
    assert errors == ['clusterrole.rbac.authorization.k8s.io "gone" not found']


def test_forbidden_messages_are_the_api_servers() -> None:
    user = 'User "system:serviceaccount:ns1:bot"'
    assert forbidden_message(SA, Request("get", "", "configmaps", name="x", namespace="ns1")) == (
        f'configmaps "x" is forbidden: {user} cannot get resource "configmaps" in API group "" in the namespace "ns1"')
    assert forbidden_message(SA, Request("list", "machineconfiguration.openshift.io", "machineconfigs")) == (
        f"machineconfigs.machineconfiguration.openshift.io is forbidden: {user} cannot list resource "
        '"machineconfigs" in API group "machineconfiguration.openshift.io" at the cluster scope')
    assert forbidden_message(SA, Request("create", "", "serviceaccounts", "token", "bot", "ns1")) == (
        f'serviceaccounts "bot" is forbidden: {user} cannot create resource "serviceaccounts/token" in API group "" '
        'in the namespace "ns1"')
    assert forbidden_message(SA, Request("post", path="/sim/faults")) == (
        f'forbidden: {user} cannot post path "/sim/faults"')


# ---- properties -------------------------------------------------------------------------------------
VERBS = st.sampled_from(["get", "list", "watch", "create", "update", "patch", "delete"])
GROUPS = st.sampled_from(["", "apps", "machineconfiguration.openshift.io"])
RESOURCES = st.sampled_from(["configmaps", "nodes", "machineconfigs", "pods"])
NAMES = st.sampled_from(["", "a", "b"])
NAMESPACES = st.sampled_from(["", "ns1", "ns2"])


@st.composite
def rules(draw: st.DrawFn) -> Obj:
    rule: Obj = {"verbs": draw(st.lists(st.one_of(VERBS, st.just("*")), min_size=1, max_size=3)),
                 "apiGroups": draw(st.lists(st.one_of(GROUPS, st.just("*")), min_size=1, max_size=2)),
                 "resources": draw(st.lists(st.one_of(RESOURCES, st.just("*")), min_size=1, max_size=2))}
    names = draw(st.lists(st.sampled_from(["a", "b"]), max_size=2))
    if names:
        rule["resourceNames"] = names
    return rule


requests = st.builds(lambda v, g, r, n, ns: Request(v, g, r, name=n, namespace=ns), VERBS, GROUPS, RESOURCES,
                     NAMES, NAMESPACES)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    cluster = role("c", draw(st.lists(rules(), max_size=3)))
    in_ns1 = role("r", draw(st.lists(rules(), max_size=3)), "ns1")
    return Policy(roles=(in_ns1,), cluster_roles=(cluster,),
                  role_bindings=(binding("rb", "Role", "r", "ns1"),) if draw(st.booleans()) else (),
                  cluster_role_bindings=(binding("crb", "ClusterRole", "c"),) if draw(st.booleans()) else ())


@settings(max_examples=300, deadline=None)
@given(policies(), rules(), requests)
def test_another_rule_never_denies_what_was_allowed(policy: Policy, extra: Obj, req: Request) -> None:
    before = authorize(policy, SA, req).allowed
    grown = Policy(roles=(role("r", [*policy.roles[0]["rules"], extra], "ns1"),), cluster_roles=policy.cluster_roles,
                   role_bindings=policy.role_bindings, cluster_role_bindings=policy.cluster_role_bindings)
    assert authorize(grown, SA, req).allowed >= before


@settings(max_examples=300, deadline=None)
@given(rules(), requests)
def test_resource_names_never_reach_another_name(rule: Obj, req: Request) -> None:
    if rule.get("resourceNames") and req.name not in rule["resourceNames"]:
        assert not rule_allows(rule, req)


@settings(max_examples=300, deadline=None)
@given(st.lists(rules(), min_size=1, max_size=4), requests)
def test_a_role_binding_never_reaches_outside_its_namespace(granted: list[Obj], req: Request) -> None:
    policy = Policy(roles=(role("r", granted, "ns1"),), cluster_roles=(role("c", granted),),
                    role_bindings=(binding("rb", "Role", "r", "ns1"), binding("rb2", "ClusterRole", "c", "ns1")))
    if req.namespace != "ns1":
        assert not authorize(policy, SA, req).allowed
    listed, _, _ = rules_for(policy, SA, "ns2")
    assert [r for r in listed if "selfsubjectaccessreviews" not in r["resources"]] == []
