"""The rollout queue for `plan` and `status`: per pool its stage, phase and why it waits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reconciler.report.console import table, to_string
from reconciler.rollout import Decision, PoolProgress

from .progress import phase_text


def queue_rows(decision: Decision) -> list[dict[str, Any]]:
    """Stable JSON: one row per pool the rollout tracks, in stage order."""
    return [_row(p) for p in sorted(decision.pools, key=lambda p: (p.stage, p.pool))]


def _row(pool: PoolProgress) -> dict[str, Any]:
    return {
        "pool": pool.pool,
        "stage": pool.stage,
        "phase": pool.phase.value,
        "reason": pool.reason,
        "binding": pool.binding or None,
        "image": pool.image,
        "affectedPools": list(pool.affected),
        "window": pool.window,
        "windowOpensAt": _iso(pool.window_opens_at),
        "bakeRemainingSeconds": round(pool.bake_remaining) if pool.bake_remaining is not None else None,
        "blockingNode": pool.blocking_node,
        "blockingReason": pool.blocking_reason or None,
        "stale": pool.stale,
        "staleReason": pool.stale_reason or None,
    }


def queue_table(decision: Decision, width: int) -> str:
    if not decision.pools:
        return ""
    grid = table("Stage", "Pool", "Phase", "Next window", title="Rollout order", min_widths={"Phase": 40})
    for row in queue_rows(decision):
        pool = decision.pool(row["pool"])
        assert pool is not None
        grid.add_row(str(row["stage"]), row["pool"], phase_text(pool), row["windowOpensAt"] or "-")
    return "\n" + to_string([grid], width=width) + decision.summary + "\n"


def queue_markdown(decision: Decision) -> str:
    if not decision.pools:
        return ""
    lines = ["", "#### Rollout order", "", "| stage | pool | phase | next window |", "|---|---|---|---|"]
    for row in queue_rows(decision):
        pool = decision.pool(row["pool"])
        assert pool is not None
        text = phase_text(pool).replace("|", "\\|")
        lines.append(f"| {row['stage']} | {row['pool']} | {text} | {row['windowOpensAt'] or '-'} |")
    return "\n".join(lines) + "\n"


def _iso(when: float | None) -> str | None:
    return datetime.fromtimestamp(when, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when is not None else None
