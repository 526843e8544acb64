"""Where each pool stands: its phase, derived from its target, its memory record and the live state.

This step never decides to write a change; it says whether one is needed (`needs_write`), whether a
rollback is due, and advances the record (written, progress, bake) from what the cluster shows.
"""

from __future__ import annotations

from dataclasses import replace

from reconciler.model import DesiredState, LiveState, OnDegraded, PoolState, mc_name_for_pool
from reconciler.records import record
from reconciler.rollout import observe
from reconciler.rollout.decision import WRITTEN_REASON, NodeProgress, Phase
from reconciler.rollout.memory import FailedRevision, PoolRecord, RecordKind
from reconciler.rollout.observe import Blocker
from reconciler.rollout.targets import PoolTarget


@record
class Standing:
    target: PoolTarget
    record: PoolRecord | None  # the record as this pass leaves it
    phase: Phase
    reason: str
    needs_write: bool = False  # the cluster does not carry the target: a (gated) write is needed
    rollback_due: bool = False  # degraded mid-rollout and the policy says roll back
    restore_pending: bool = False  # a rollback was decided but the cluster does not show it yet
    blocker: Blocker | None = None
    bake_remaining: float | None = None
    nodes: tuple[NodeProgress, ...] = ()

    @property
    def in_flight(self) -> bool:
        """A change of ours is on the cluster and not yet done."""
        return self.record is not None and self.record.written and not self.record.done

    @property
    def degraded(self) -> bool:
        return self.phase is Phase.DEGRADED


@record
class Context:
    desired: DesiredState
    live: LiveState
    now: float


def assess(
    target: PoolTarget, record: PoolRecord | None, failure: FailedRevision | None, ctx: Context
) -> Standing:
    if failure is not None:
        return _assess_failed(target, record, failure, ctx)
    carried = observe.our_mc_carries(ctx.live, target.pool, target.image)
    if record is not None and record.image == target.image:
        if carried:
            return _track(target, record, ctx)
        return _needs_write(target, record)
    if carried:
        return _track(target, _adopted(target, record, ctx), ctx)
    return _needs_write(target, record)


def _needs_write(target: PoolTarget, record: PoolRecord | None) -> Standing:
    return Standing(target, record, Phase.WAITING, "waiting to write", needs_write=True)


def _adopted(target: PoolTarget, old: PoolRecord | None, ctx: Context) -> PoolRecord:
    """A record for a change we did not write (first sight, or changed outside this tool).

    On first sight (no record at all) a pool already updated and healthy counts as done: we changed
    nothing, so there is nothing to bake. A pool seen before on another target bakes like any change.
    """
    record = target.new_record(ctx.live.base_image, ctx.now, previous_known=False, written=True)
    pools = observe.pools_of(ctx.live, target.affected)
    settled = bool(pools) and all(observe.is_updated(p) for p in pools) and _rendered(record, pools, ctx)
    if old is None and settled:
        return replace(record, updated_since=ctx.now, done_at=ctx.now)
    return record


def _assess_failed(
    target: PoolTarget, record: PoolRecord | None, failure: FailedRevision, ctx: Context
) -> Standing:
    """The repository still asks for a revision that failed: follow the rollback, never re-apply."""
    why = f"revision {_revision(failure)} degraded the pool and was rolled back ({failure.reason}); "
    why += "change the binding to try again"
    if record is None or record.kind is not RecordKind.RESTORE:
        return Standing(target, record, Phase.ROLLED_BACK, why)
    if not observe.our_mc_carries(ctx.live, target.pool, record.image):
        if record.written:
            return Standing(target, record, Phase.ROLLED_BACK, why + "; our MachineConfig was changed since")
        return Standing(target, record, Phase.ROLLING_BACK, why, restore_pending=True)
    tracked = _track(target, record, ctx)
    if tracked.phase is Phase.DEGRADED:
        return replace(tracked, reason=f"rollback did not recover the pool: {tracked.reason}")
    if tracked.phase in (Phase.UPDATED, Phase.DONE):
        return replace(tracked, phase=Phase.ROLLED_BACK, reason=why)
    return replace(tracked, phase=Phase.ROLLING_BACK, reason=f"{tracked.reason}; {why}")


def _revision(failure: FailedRevision) -> str:
    change = failure.image if failure.image is not None else "removal"
    return f"{failure.binding or failure.pool} ({change})"


# ---- following a written change ----------------------------------------------------------------
def _track(target: PoolTarget, record: PoolRecord, ctx: Context) -> Standing:
    record = _refreshed(record, target)
    pools = observe.pools_of(ctx.live, record.affected)
    if not pools and target.image is None:  # our MC of a pool that is gone: nothing renders it
        done = replace(record, done_at=ctx.now)
        return Standing(target, done, Phase.DONE, "MachineConfig removed; no pool renders it")
    if not pools:
        return Standing(target, record, Phase.WAITING, f"MachineConfigPool/{target.pool} not found")
    nodes = observe.node_progress(ctx.live, pools)
    shadow = observe.shadowing(ctx.live, target.pool, record.image)
    if shadow is not None:
        reason = (f"MachineConfig/{shadow.name} sorts after ours in the render order and sets osImageURL "
                  f"{shadow.os_image_url}: the pool renders that image, not {record.image}")
        return Standing(target, replace(record, updated_since=None, done_at=None), Phase.SHADOWED, reason,
                        nodes=nodes)
    digest = observe.progress_digest(ctx.live, pools)
    if digest != record.progress:
        record = replace(record, progress=digest, progress_at=ctx.now)
    rendered = _rendered(record, pools, ctx)
    degraded = observe.degradation(ctx.live, pools, only_current_target=not record.done)
    if degraded is not None and (record.done or rendered or degraded.node is None):
        return _degraded(target, record, degraded, nodes, ctx)
    if record.done:
        return Standing(target, record, Phase.DONE, "rolled out and baked", nodes=nodes)
    if not rendered:
        return _moving(
            target, record, Phase.WRITTEN, WRITTEN_REASON, nodes, ctx
        )
    if all(observe.is_updated(p) for p in pools):
        return _baking(target, record, nodes, ctx)
    record = replace(record, updated_since=None)
    if not observe.any_node_moved(pools, nodes):
        return _moving(target, record, Phase.RENDERED, "rendered; waiting for the first node", nodes, ctx)
    return _moving(target, record, Phase.ROLLING, _rolling_reason(pools), nodes, ctx)


def _refreshed(record: PoolRecord, target: PoolTarget) -> PoolRecord:
    """The record, seen written, with the binding's current stage and window (they may be edited)."""
    window = target.window if target.image is not None else record.window
    return replace(
        record, written=True, stage=target.stage, window=window, binding=target.binding or record.binding
    )


def _rendered(record: PoolRecord, pools: list[PoolState], ctx: Context) -> bool:
    return all(
        observe.is_rendered(
            p, mc_name_for_pool(record.pool), record.image, record.replaced_image, observe.expected_image(p, ctx.live)
        )
        for p in pools
    )


def _degraded(
    target: PoolTarget, record: PoolRecord, degraded: Blocker, nodes: tuple[NodeProgress, ...], ctx: Context
) -> Standing:
    record = replace(record, updated_since=None) if not record.done else record
    where = f"node {degraded.node}: " if degraded.node else ""
    policy = ctx.desired.policy
    rollback = (
        not record.done
        and policy.on_degraded is OnDegraded.ROLLBACK
        and record.kind is not RecordKind.RESTORE
        and record.previous_known
    )
    reason = f"{where}{degraded.reason}"  # the phase (degraded) is shown beside it
    if not record.done and policy.on_degraded is OnDegraded.ROLLBACK and not record.previous_known:
        reason += " (not rolled back: the previous MachineConfig is unknown, it was not written by us)"
    return Standing(
        target, record, Phase.DEGRADED, reason, rollback_due=rollback, blocker=degraded, nodes=nodes
    )


def _baking(
    target: PoolTarget, record: PoolRecord, nodes: tuple[NodeProgress, ...], ctx: Context
) -> Standing:
    since = record.updated_since if record.updated_since is not None else ctx.now
    remaining = since + ctx.desired.policy.bake_seconds - ctx.now
    if remaining <= 0:
        record = replace(record, updated_since=since, done_at=ctx.now)
        return Standing(target, record, Phase.DONE, "rolled out and baked", nodes=nodes)
    record = replace(record, updated_since=since)
    reason = f"updated; baking ({_duration(remaining)} left)"
    return Standing(target, record, Phase.UPDATED, reason, bake_remaining=remaining, nodes=nodes)


def _moving(
    target: PoolTarget,
    record: PoolRecord,
    phase: Phase,
    reason: str,
    nodes: tuple[NodeProgress, ...],
    ctx: Context,
) -> Standing:
    blocker = observe.blocking_node(nodes)
    still = ctx.now - record.progress_at
    if still >= ctx.desired.policy.stall_seconds:
        cause = blocker.reason if blocker else "no node is moving"
        where = f"node {blocker.node}: " if blocker and blocker.node else ""
        reason = f"no progress for {_duration(still)} while {phase.value}; {where}{cause}"
        return Standing(target, record, Phase.STALLED, reason, blocker=blocker, nodes=nodes)
    return Standing(target, record, phase, reason, blocker=blocker, nodes=nodes)


def _rolling_reason(pools: list[PoolState]) -> str:
    counts = ", ".join(f"{p.name} {p.updated_count}/{p.machine_count} updated" for p in pools)
    return f"rolling: {counts}"


def _duration(seconds: float) -> str:
    s = max(0, int(seconds))
    if s >= 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"
