"""`plan --base BRANCH`: a pull request reviewed against its target branch (read-only)."""

from __future__ import annotations

import json
import sys

from reconciler.errors import InvalidInput
from reconciler.intent import load_desired
from reconciler.plan.review import binding_changes
from reconciler.report import plan_to_dict, render_plan
from reconciler.report.review import review_dict, review_lines, review_markdown

from .queue import queue_markdown, queue_rows, queue_table
from .reconcile import Reconciler, Source

EXIT_OK, EXIT_ERROR, EXIT_PENDING = 0, 1, 2


def review(reconciler: Reconciler, base_source: Source, base_ref: str, output: str, width: int) -> int:
    """What the pull request (`--ref`) changes against `base_ref`, and what it would do to the cluster."""
    result = reconciler.decide()
    base = base_source.snapshot(base_ref)
    try:
        base_desired = load_desired(base)
    except InvalidInput as exc:
        raise InvalidInput([f"--base {base_ref}: the target branch does not load:", *exc.problems]) from None
    changes = binding_changes(base_desired, result.desired)
    plan, live = result.plan, result.live
    if output == "json":
        doc = plan_to_dict(plan) | {"rollout": queue_rows(result.decision),
                                    "review": review_dict(changes, base_ref, base.commit, plan, live)}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    elif output == "markdown":
        body = render_plan(plan, "markdown") + queue_markdown(result.decision)
        sys.stdout.write(review_markdown(changes, base_ref, base.commit, plan, live, body))
    else:
        sys.stdout.write(review_lines(changes, base_ref, plan, live))
        print(render_plan(plan, output, width=width), end="")
        print(queue_table(result.decision, width), end="")
    if plan.blocked:
        return EXIT_ERROR
    return EXIT_PENDING if plan.changes else EXIT_OK
