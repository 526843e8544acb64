"""Parse cost is bounded before a tree is built: the first pass stops at the first bound exceeded."""

from __future__ import annotations

import pytest
from intent_cases import binding, snapshot

from reconciler.intent import check
from reconciler.intent.problems import Problems
from reconciler.intent.yamlread import (
    MAX_KEY_CHARS,
    MAX_NODES,
    MAX_REPOSITORY_NODES,
    MAX_SCALAR_CHARS,
    NodeBudget,
    read_documents,
)

# after the hostile part, a syntax error that a reader going on to the end would also report
TRAILER = "\n---\nb: [unclosed\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: " + "[" * 5000 + "]" * 5000, "x.yaml:1:23: nested more than 20 levels deep"),
        ("a: [" + "1," * (MAX_NODES + 10) + "]", f"more than {MAX_NODES} YAML nodes in one file; split it"),
        ("k" * (MAX_KEY_CHARS + 1) + ": 1", f"x.yaml:1:1: a key of {MAX_KEY_CHARS + 1} characters, over the "
         f"{MAX_KEY_CHARS} limit"),
        ("a: " + "x" * (MAX_SCALAR_CHARS + 1), f"x.yaml:1:4: a value of {MAX_SCALAR_CHARS + 1} characters, over "
         f"the {MAX_SCALAR_CHARS} limit"),
    ],
    ids=["depth", "nodes", "key", "scalar"],
)
def test_reading_stops_at_the_first_bound(text: str, message: str) -> None:
    problems = Problems()
    assert read_documents("x.yaml", (text + TRAILER).encode(), problems) == []
    (only,) = problems.rendered()  # the trailing syntax error was never reached
    assert only.endswith(message)


def test_the_node_budget_spans_the_repository() -> None:
    per_file = MAX_NODES - 100
    count = MAX_REPOSITORY_NODES // per_file + 2
    files = {f"bindings/f{i}.yaml": "a: [" + "1," * per_file + "]\n" for i in range(count)}
    problems = check(snapshot(files, policy=None))
    over = [p for p in problems if f"more than {MAX_REPOSITORY_NODES} YAML nodes in the repository" in p]
    assert over and len(over) < len(files)


def test_a_budget_left_is_used_by_the_next_file() -> None:
    measure = NodeBudget()
    read_documents("a.yaml", binding().encode(), Problems(), measure)
    one_file = MAX_REPOSITORY_NODES - measure.nodes
    budget, problems = NodeBudget(one_file + one_file // 2), Problems()
    assert read_documents("a.yaml", binding().encode(), problems, budget) != []
    assert read_documents("b.yaml", binding().encode(), problems, budget) == []
    (only,) = problems.rendered()
    assert only.startswith("b.yaml:") and "YAML nodes in the repository; refused" in only


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 2001-02-30\n", "x.yaml:1:4: '2001-02-30' reads as a date or time; quote it to write text"),
        ("a: " + "9" * 5000 + "\n", "x.yaml:1:4: a number of 5000 characters, over the 40 limit"),
        ("%YAML 1.1\n---\na: 1e99999\n", "x.yaml:2:1: YAML directives (%YAML, %TAG) are not allowed; files are "
         "read as YAML 1.2"),
    ],
    ids=["impossible-date", "5000-digit-int", "yaml-1.1-directive"],
)
def test_values_the_loader_cannot_build_are_refused_where_they_are(text: str, message: str) -> None:
    problems = Problems()
    assert read_documents("x.yaml", text.encode(), problems) == []
    assert problems.rendered() == [message]
