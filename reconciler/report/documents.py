"""What `plan` and `status --repo` print: the plan or the cluster, followed by the rollout it leads to.

JSON: the plan or status document with a `rollout` list (docs/output.md). Table and markdown: the
plan or status, then the rollout order and its summary line.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.model import DesiredState, LiveState, Plan, Verification
from reconciler.report.console import DEFAULT_WIDTH
from reconciler.report.plan_dict import plan_to_dict
from reconciler.report.plan_text import plan_markdown, plan_table
from reconciler.report.review import Review, review_dict, review_lines, review_markdown
from reconciler.report.rollout import phase_text, queue_markdown, queue_rows, queue_table
from reconciler.report.status import status_table, status_to_dict
from reconciler.report.trust import verification_dict, verification_line
from reconciler.rollout import Decision


def plan_document(plan: Plan, decision: Decision) -> dict[str, Any]:
    return plan_to_dict(plan) | {"rollout": queue_rows(decision)}


def status_document(live: LiveState, desired: DesiredState, decision: Decision) -> dict[str, Any]:
    phases = {p.pool: phase_text(p) for p in decision.pools}
    return status_to_dict(live, desired, phases) | {"rollout": queue_rows(decision)}


def plan_with_rollout(plan: Plan, decision: Decision, fmt: str, *, width: int = DEFAULT_WIDTH) -> str:
    """fmt: "table" | "json" | "markdown"."""
    if fmt == "json":
        return _json(plan_document(plan, decision))
    if fmt == "markdown":
        return plan_markdown(plan) + queue_markdown(decision)
    return plan_table(plan, width=width) + queue_table(decision, width)


def review_with_rollout(review: Review, plan: Plan, live: LiveState, decision: Decision, fmt: str, *,
                        width: int = DEFAULT_WIDTH) -> str:
    """`plan --base`: what the pull request changes against its target branch, then the plan and its
    rollout order. fmt: "table" | "json" | "markdown" (one sticky comment)."""
    changes, base_ref, base_commit = review
    if fmt == "json":
        reviewed = review_dict(changes, base_ref, base_commit, plan, live)
        return _json(plan_document(plan, decision) | {"review": reviewed})
    if fmt == "markdown":
        body = plan_markdown(plan) + queue_markdown(decision)
        return review_markdown(changes, base_ref, base_commit, plan, live, body)
    return review_lines(changes, base_ref, plan, live) + plan_with_rollout(plan, decision, fmt, width=width)


def status_with_rollout(
    live: LiveState, desired: DesiredState, decision: Decision, fmt: str, *, width: int = DEFAULT_WIDTH,
    verification: Verification | None = None,
) -> str:
    """fmt: "table" | "json"; `verification`: the commit's verified signatures, when --verify checked them."""
    if fmt == "json":
        return _json(status_document(live, desired, decision) | {"verification": verification_dict(verification)})
    phases = {p.pool: p.phase.value for p in decision.pools}  # the reasons follow in the queue
    return (status_table(live, desired, width=width, phases=phases) + queue_table(decision, width)
            + verification_line(verification) + "\n")


def _json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
