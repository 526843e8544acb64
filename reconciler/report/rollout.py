"""The rollout for people and scripts: the queue (`plan`, `status`) as rows, a table and markdown, and
one line per pool for logs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reconciler.report.console import DEFAULT_WIDTH, table, to_string
from reconciler.rollout import Decision, PoolProgress, phase_and_reason


def phase_text(pool: PoolProgress) -> str:
    """`rolling: worker 1/3 updated`, `next: write MachineConfig/99-layering-worker`: the phase in words."""
    return phase_and_reason(pool)


def pool_line(pool: PoolProgress) -> str:
    """`worker (stage 1) rolling: worker 1/3 updated [ip-10-0-…: draining]`, for logs and pipes."""
    line = f"{pool.pool} (stage {pool.stage}) {phase_text(pool)}"
    moving = moving_nodes(pool)
    return f"{line} [{', '.join(moving)}]" if moving else line


def moving_nodes(pool: PoolProgress) -> list[str]:
    return [f"{n.name}: {n.phase}" for n in pool.nodes if n.phase not in ("updated", "queued", "")]


def queue_rows(decision: Decision) -> list[dict[str, Any]]:
    """Stable JSON (docs/output.md `rollout[]`): one row per pool the rollout tracks, in stage order."""
    return [_row(p) for p in _in_order(decision)]


def _in_order(decision: Decision) -> list[PoolProgress]:
    return sorted(decision.pools, key=lambda p: (p.stage, p.pool))


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


def queue_table(decision: Decision, width: int = DEFAULT_WIDTH) -> str:
    if not decision.pools:
        return ""
    grid = table("Stage", "Pool", "Phase", "Next window", title="Rollout order", min_widths={"Phase": 40})
    for pool in _in_order(decision):
        grid.add_row(str(pool.stage), pool.pool, phase_text(pool), _iso(pool.window_opens_at) or "-")
    return "\n" + to_string([grid], width=width) + decision.summary + "\n"


def queue_markdown(decision: Decision) -> str:
    if not decision.pools:
        return ""
    lines = ["", "#### Rollout order", "", "| stage | pool | phase | next window |", "|---|---|---|---|"]
    for pool in _in_order(decision):
        text = phase_text(pool).replace("|", "\\|")
        lines.append(f"| {pool.stage} | {pool.pool} | {text} | {_iso(pool.window_opens_at) or '-'} |")
    return "\n".join(lines) + "\n"


def _iso(when: float | None) -> str | None:
    return datetime.fromtimestamp(when, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when is not None else None
