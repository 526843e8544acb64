"""What a pull request changes against its target branch, and the sticky PR comment that shows it."""

from __future__ import annotations

from dataclasses import replace

from plan_builders import HOTFIX, HOTFIX2, binding, desired, live

from reconciler.model import NodeState
from reconciler.plan import make_plan
from reconciler.plan.review import binding_changes
from reconciler.report.review import MARKER, MAX_COMMENT_CHARS, rebooting_nodes, review_lines, review_markdown


def test_added_removed_and_changed_bindings_by_pool() -> None:
    base = desired(binding("worker"), binding("infra"))
    head = desired(binding("worker", HOTFIX2, stage=1), binding("master"))
    changes = {c.pool: c for c in binding_changes(base, head)}
    assert sorted(changes) == ["infra", "master", "worker"]
    infra = changes["infra"]
    assert (infra.change, infra.old_image, infra.new_image) == ("removed", HOTFIX, None)
    assert (changes["master"].change, changes["master"].new_image) == ("added", HOTFIX)
    assert changes["worker"].change == "changed" and changes["worker"].details == ("stage: 0 → 1",)
    assert (changes["worker"].old_image, changes["worker"].new_image) == (HOTFIX, HOTFIX2)


def test_an_unchanged_binding_is_not_listed() -> None:
    assert binding_changes(desired(binding()), desired(binding())) == ()


def test_the_comment_starts_with_the_marker_and_names_the_nodes_that_reboot() -> None:
    head = desired(binding("worker", HOTFIX2))
    state = replace(live(), nodes=(NodeState("w-1", "worker"), NodeState("w-2", "worker"), NodeState("m-1", "master")))
    plan = make_plan(head, state)
    assert "infra" in plan.changes[0].impact.pools  # it re-renders, but has no nodes in this state
    assert rebooting_nodes(plan, state) == {"worker": ["w-1", "w-2"]}
    text = review_markdown(binding_changes(desired(binding()), head), "main", "b" * 40, plan, state, "PLAN\n")
    assert text.splitlines()[0] == MARKER
    assert "`w-1`, `w-2`" in text and "m-1" not in text and "| worker | **changed** |" in text
    assert text.endswith("PLAN\n")
    terminal = review_lines(binding_changes(desired(binding()), head), "main", plan, state)
    assert "worker: changed" in terminal and "worker: w-1, w-2" in terminal


def test_a_huge_plan_is_cut_to_one_comment() -> None:
    plan = make_plan(desired(binding()), live())
    text = review_markdown((), "main", "b" * 40, plan, live(), "x" * 200_000)
    assert len(text) <= MAX_COMMENT_CHARS and text.startswith(MARKER) and "cut to fit one comment" in text
