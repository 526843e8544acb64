"""A one-shot read lists the nodes of the moving pools by their node selectors: the query asks the API
server for exactly the nodes the selector matches (checked against the simulator's parser of the
API server's selector syntax), and falls back to listing every node where it cannot."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from mcosim.selectors import label_selector
from reconciler.cluster.nodes import selector_matches, selector_query
from reconciler.cluster.selective import MAX_NODE_QUERIES, node_queries

WORKER, INFRA = "node-role.kubernetes.io/worker", "node-role.kubernetes.io/infra"
GOOD_KEYS = [WORKER, INFRA, "zone", "example.com/rack", "a_b.c-d"]
BAD_KEYS = ["two words", "a/b/c", "", "-lead", "x" * 64]
GOOD_VALUES = ["", "a", "us-west-1a", "1", "A_b.c"]
BAD_VALUES = ["two words", "-x", "x" * 64, "a,b", "(a)"]
OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"]

keys = st.sampled_from(GOOD_KEYS + BAD_KEYS)
values = st.sampled_from(GOOD_VALUES + BAD_VALUES)
expressions = st.fixed_dictionaries(
    {"key": keys, "operator": st.sampled_from([*OPERATORS, "Gt"])},
    optional={"values": st.lists(values, max_size=3)},
)
selectors = st.fixed_dictionaries(
    {}, optional={"matchLabels": st.dictionaries(keys, values, max_size=3),
                  "matchExpressions": st.lists(expressions, max_size=3)})
labels = st.dictionaries(st.sampled_from(GOOD_KEYS), st.sampled_from(GOOD_VALUES), max_size=5)


def served(query: str, node_labels: dict[str, str]) -> bool:
    """Whether the API server returns a node of these labels for `labelSelector=query`."""
    return label_selector(query)({"metadata": {"labels": node_labels}})


@given(selectors, labels)
def test_a_query_selects_exactly_the_nodes_the_selector_matches(selector: dict[str, Any],
                                                                node_labels: dict[str, str]) -> None:
    query = selector_query(selector)
    if query is not None:
        assert served(query, node_labels) == selector_matches(selector, node_labels), query


good_expressions = st.one_of(
    st.fixed_dictionaries({"key": st.sampled_from(GOOD_KEYS), "operator": st.sampled_from(["In", "NotIn"]),
                           "values": st.lists(st.sampled_from(GOOD_VALUES[1:]), min_size=1, max_size=3)}),
    st.fixed_dictionaries({"key": st.sampled_from(GOOD_KEYS), "operator": st.sampled_from(["Exists", "DoesNotExist"])}),
)
good_selectors = st.fixed_dictionaries({
    "matchLabels": st.dictionaries(st.sampled_from(GOOD_KEYS), st.sampled_from(GOOD_VALUES), max_size=2),
    "matchExpressions": st.lists(good_expressions, max_size=2),
}).filter(lambda s: s["matchLabels"] or s["matchExpressions"])


@given(good_selectors)
def test_every_selector_of_label_syntax_and_known_operators_is_asked_for(selector: dict[str, Any]) -> None:
    assert selector_query(selector) is not None


def test_the_queries_of_pool_node_selectors() -> None:
    assert selector_query({"matchLabels": {WORKER: ""}}) == f"{WORKER}="
    assert selector_query({"matchExpressions": [
        {"key": "zone", "operator": "In", "values": ["a", "b"]},
        {"key": INFRA, "operator": "DoesNotExist"},
    ]}) == f"zone in (a,b),!{INFRA}"
    assert selector_query({}) is None  # selects every node
    assert selector_query({"matchExpressions": [{"key": "zone", "operator": "In", "values": [""]}]}) is None


def pool(name: str, node_selector: dict[str, Any] | None) -> dict[str, Any]:
    spec = {} if node_selector is None else {"nodeSelector": node_selector}
    return {"metadata": {"name": name}, "spec": spec}


def role(name: str) -> dict[str, Any]:
    return {"matchLabels": {f"node-role.kubernetes.io/{name}": ""}}


def test_moving_pools_are_listed_by_their_selectors_and_settled_ones_not() -> None:
    pools = [pool("worker", role("worker")), pool("infra", role("infra")), pool("gpu", role("gpu"))]
    assert node_queries(pools, {"infra", "gpu"}) == ["node-role.kubernetes.io/infra=", "node-role.kubernetes.io/gpu="]
    assert node_queries([*pools, pool("empty", None)], {"empty"}) == []  # no selector: no nodes


def test_every_node_is_listed_when_a_selector_selects_all_or_cannot_be_asked_for() -> None:
    assert node_queries([pool("all", {})], {"all"}) is None
    assert node_queries([pool("odd", {"matchLabels": {"two words": ""}})], {"odd"}) is None
    assert node_queries([pool("odd", "not a selector")], {"odd"}) is None  # type: ignore[arg-type]
    many = [pool(f"p{i}", role(f"p{i}")) for i in range(MAX_NODE_QUERIES + 1)]
    assert node_queries(many, {f"p{i}" for i in range(MAX_NODE_QUERIES + 1)}) is None
    assert node_queries(many, {f"p{i}" for i in range(MAX_NODE_QUERIES)}) is not None
