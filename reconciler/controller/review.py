"""`plan --base BRANCH`: a pull request reviewed against its target branch (read-only)."""

from __future__ import annotations

from reconciler.errors import EXIT_ERROR, EXIT_OK, EXIT_PENDING, InvalidInput
from reconciler.intent import load_desired
from reconciler.plan.review import binding_changes
from reconciler.report import Review, review_with_rollout

from .reconcile import Reconciler, Source


def review(reconciler: Reconciler, base_source: Source, base_ref: str, output: str, width: int) -> int:
    """What the pull request (`--ref`) changes against `base_ref`, and what it would do to the cluster."""
    result = reconciler.decide()
    base = base_source.snapshot(base_ref)
    try:
        base_desired = load_desired(base, reconciler.parse_cache)
    except InvalidInput as exc:
        raise InvalidInput([f"--base {base_ref}: the target branch does not load:", *exc.problems]) from None
    found = Review(binding_changes(base_desired, result.desired), base_ref, base.commit)
    print(review_with_rollout(found, result.plan, result.live, result.decision, output, width=width), end="")
    if result.plan.blocked:
        return EXIT_ERROR
    return EXIT_PENDING if result.plan.changes else EXIT_OK
