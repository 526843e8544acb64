"""Turning standings into the Decision: per-pool progress in words, halted / done, a summary line.

A decision is worded as what its writes will do (`next: write MachineConfig/…`), which is what a
read-only `plan` or `status` shows; `after_writes` rewords it once a pass has made those writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from reconciler.model import LiveState, Plan
from reconciler.rollout.decision import (
    HALTING_PHASES,
    NEXT,
    WRITTEN_REASON,
    Decision,
    Phase,
    PoolProgress,
    WindowStatus,
    Write,
)
from reconciler.rollout.memory import Memory, PoolRecord
from reconciler.rollout.phases import Standing

SUMMARY_POOLS = 3  # the summary line names this many busy pools (those moving first), then counts the rest


def build(
    standings: Sequence[Standing],
    writes: tuple[Write, ...],
    memory: Memory,
    plan: Plan,
    live: LiveState,
    windows: Mapping[str, WindowStatus],
) -> Decision:
    pools = tuple(
        _progress(s, live, windows) for s in sorted(standings, key=lambda s: (s.target.stage, s.target.pool))
    )
    halted = any(p.phase in HALTING_PHASES for p in pools)
    done = not plan.blocked and not writes and all(p.phase is Phase.DONE for p in pools)
    blocked_by = str(plan.blocking[0]) if plan.blocking else ""
    return Decision(writes, memory, pools, halted, done, _summary(pools, blocked_by, halted, done))


def after_writes(decision: Decision, pools: Collection[str]) -> Decision:
    """The decision once the writes of `pools` went out: those pools now wait for the render."""
    reworded = tuple(
        replace(p, phase=Phase.WRITTEN, reason=WRITTEN_REASON)
        if p.pool in pools and p.reason.startswith(NEXT)
        else p
        for p in decision.pools
    )
    if reworded == decision.pools:
        return decision
    summary = _summary(reworded, "", decision.halted, decision.done)
    return replace(decision, pools=reworded, summary=summary)


def _progress(s: Standing, live: LiveState, windows: Mapping[str, WindowStatus]) -> PoolProgress:
    window = (
        s.target.window if s.target.image is not None else (s.record.window if s.record else s.target.window)
    )
    status = windows.get(window) if window is not None else None
    stale = _stale_reason(s.record, s.target.image, live)
    return PoolProgress(
        pool=s.target.pool,
        stage=s.target.stage,
        phase=s.phase,
        reason=s.reason,
        binding=s.target.binding,
        image=s.target.image,
        affected=s.target.affected,
        blocking_node=s.blocker.node if s.blocker else None,
        blocking_reason=s.blocker.reason if s.blocker else "",
        window=window,
        window_opens_at=status.opens_at if status is not None and not status.open else None,
        bake_remaining=s.bake_remaining,
        stale=bool(stale),
        stale_reason=stale,
        nodes=s.nodes,
    )


def _stale_reason(record: PoolRecord | None, image: str | None, live: LiveState) -> str:
    """A layered pool does not follow a cluster upgrade: its image must be rebuilt FROM the new base."""
    if (
        record is None
        or image is None
        or record.image != image
        or not record.base_image
        or not live.base_image
    ):
        return ""
    if record.base_image == live.base_image:
        return ""
    return (
        f"stale: the cluster's base image changed from {record.base_image} to {live.base_image} "
        f"(release {live.release_version}) since {record.binding or 'this binding'} was applied; "
        "rebuild the image FROM the new base"
    )


def _summary(pools: Sequence[PoolProgress], blocked_by: str, halted: bool, done: bool) -> str:
    if blocked_by:
        return f"blocked by preflight: {blocked_by}"
    if halted:
        first = next(p for p in pools if p.phase in HALTING_PHASES)
        return f"halted: {first.pool} is {first.phase.value}: {first.reason}"
    if done:
        return f"done: {len(pools)} pool(s) rolled out and baked" if pools else "done: nothing to roll out"
    busy = [p for p in pools if p.phase is not Phase.DONE]
    moving = [p for p in busy if p.phase is not Phase.WAITING]  # none: nothing has started yet
    named = (moving + [p for p in busy if p.phase is Phase.WAITING])[:SUMMARY_POOLS]
    line = ("in progress: " if moving else "pending: ") + "; ".join(f"{p.pool} {phase_and_reason(p)}" for p in named)
    return line + _more(busy, named)


def _more(busy: Sequence[PoolProgress], named: Sequence[PoolProgress]) -> str:
    """`; and 497 more (3 rolling, 494 waiting)`: the busy pools the summary does not name, by phase."""
    rest = Counter(p.phase.value for p in busy if p not in named)
    if not rest:
        return ""
    by_phase = ", ".join(f"{count} {phase}" for phase, count in rest.items())
    return f"; and {rest.total()} more ({by_phase})"


def phase_and_reason(pool: PoolProgress) -> str:
    """`rolling: worker 1/3 updated`: the phase, then the reason unless it already starts with it
    (or says what the pass will write next: `next: write MachineConfig/…`)."""
    if not pool.reason or pool.reason.startswith((pool.phase.value, NEXT)):
        return pool.reason or pool.phase.value
    return f"{pool.phase.value}: {pool.reason}"
