"""The rollout entry point: one level-triggered decision from (plan, desired, live, memory, windows, now).

Pure: no I/O, no clock. The same inputs give the same decision. Order of a pass:
1. targets: what the repository wants per pool; failures recorded for revisions it still asks for;
2. standings: each pool's phase from its record and the cluster (records advance: written, bake…);
3. rollbacks (onDegraded: rollback) for pools degraded mid-rollout;
4. starts: changes whose gates are open become writes, their records saved as intents first;
5. pauses for windows that closed mid-rollout (overrun: pause), unpauses when they open again.

Preflight problems with BLOCKING severity stop every write of the plan. Rollback restores and window
pauses still go out: they only undo or contain changes we made earlier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from reconciler import ourmc
from reconciler.model import Action, ActionKind, DesiredState, LiveState, Plan, mc_name_for_pool
from reconciler.rollout import assemble, gates
from reconciler.rollout.decision import NEXT, Decision, Phase, RestoreMachineConfig, WindowStatus, Write
from reconciler.rollout.memory import FailedRevision, Memory, PoolRecord, RecordKind
from reconciler.rollout.phases import Context, Standing, assess
from reconciler.rollout.targets import PoolTarget, collect_targets


def decide(
    plan: Plan,
    desired: DesiredState,
    live: LiveState,
    memory: Memory,
    windows: Mapping[str, WindowStatus],
    now: float,
) -> Decision:
    ctx = Context(desired, live, now)
    targets = collect_targets(plan, desired, live, memory)
    failures = _active_failures(memory.failed, targets)
    standings = [assess(t, memory.record(t.pool), failures.get(t.pool), ctx) for t in targets.values()]
    standings, failures, restores = _rollbacks(standings, failures, ctx)
    pausing = gates.plan_pauses(standings, live, windows, desired.policy, memory.paused_by_us)
    standings, starts = _starts(standings, plan, ctx, windows, pausing.paused_by_us)
    standings = [_overlay_pause(s, live, pausing.held) for s in standings]
    metadata = [] if plan.blocked else [a for s in standings if (a := _metadata_write(s)) is not None]
    new_memory = Memory(
        records=_kept_records(standings),
        failed=tuple(failures[p] for p in sorted(failures)),
        paused_by_us=pausing.paused_by_us,
    )
    pauses = [w for w in pausing.writes if w.paused]
    unpauses = [w for w in pausing.writes if not w.paused]
    writes: tuple[Write, ...] = (*restores, *pauses, *starts, *metadata, *unpauses)
    return assemble.build(standings, writes, new_memory, plan, live, windows)


def _active_failures(
    failed: Sequence[FailedRevision], targets: Mapping[str, PoolTarget]
) -> dict[str, FailedRevision]:
    """Failures the repository still asks for; a changed binding (or a removed one) clears them."""
    active = {}
    for f in failed:
        target = targets.get(f.pool)
        if target is None or target.image != f.image:
            continue
        if f.image is not None and target.binding != f.binding:
            continue
        active[f.pool] = f
    return active


# ---- rollbacks -------------------------------------------------------------------------------------
def _rollbacks(
    standings: list[Standing], failures: dict[str, FailedRevision], ctx: Context
) -> tuple[list[Standing], dict[str, FailedRevision], list[RestoreMachineConfig]]:
    failures = dict(failures)
    writes = []
    result = []
    for s in standings:
        if s.rollback_due and s.record is not None:
            failure = FailedRevision(s.target.pool, s.record.binding, s.record.image, s.reason, ctx.now)
            failures[s.target.pool] = failure
            s = _start_restore(s, s.record, failure, ctx)
        if s.restore_pending and s.record is not None:
            writes.append(_restore_write(s.record, ctx.live, failures[s.target.pool]))
        result.append(s)
    return result, failures, writes


def _start_restore(s: Standing, bad: PoolRecord, failure: FailedRevision, ctx: Context) -> Standing:
    previous = bad.previous
    record = replace(
        bad,
        kind=RecordKind.RESTORE,
        image=previous.os_image_url if previous is not None else None,
        replaced_image=bad.image or bad.replaced_image,
        started_at=ctx.now,
        written=False,
        progress="",
        progress_at=ctx.now,
        updated_since=None,
        done_at=None,
    )
    reason = f"restoring the previous MachineConfig: {failure.reason}"
    return replace(
        s, record=record, phase=Phase.ROLLING_BACK, reason=reason, rollback_due=False, restore_pending=True
    )


def _restore_write(record: PoolRecord, live: LiveState, failure: FailedRevision) -> RestoreMachineConfig:
    name = mc_name_for_pool(record.pool)
    mc = live.machine_config(name)
    rv = mc.resource_version if mc is not None else ""
    return RestoreMachineConfig(record.pool, name, record.previous, rv, failure.reason)


# ---- starts ----------------------------------------------------------------------------------------
def _starts(
    standings: list[Standing],
    plan: Plan,
    ctx: Context,
    windows: Mapping[str, WindowStatus],
    paused_by_us: Sequence[str],
) -> tuple[list[Standing], list[Action]]:
    result: list[Standing] = []
    writes: list[Action] = []
    others = gates.others_of(standings, ctx.live)
    for s in standings:
        if not s.needs_write:
            result.append(s)
            continue
        gate = gates.start_gate(s, others, plan, ctx.live, windows, paused_by_us)
        if gate is not None:
            result.append(replace(s, reason=gate.reason))
            continue
        assert s.target.action is not None  # the gates refuse a pool without a write
        writes.append(s.target.action)
        record = _intent(s.target, s.record, ctx)
        result.append(replace(s, record=record, phase=Phase.WAITING, reason=f"{NEXT}{_next_write(s.target.action)}"))
    stages = {s.target.pool: s.target.stage for s in result}
    writes.sort(key=lambda a: (stages[a.pool], a.pool))
    return result, writes


def _next_write(action: Action) -> str:
    verb = "delete" if action.kind is ActionKind.DELETE else "write"
    return f"{verb} MachineConfig/{action.mc_name}"


def _intent(target: PoolTarget, old: PoolRecord | None, ctx: Context) -> PoolRecord:
    """The record saved before the write. An intent already saved for the same target is kept."""
    if old is not None and old.image == target.image and not old.written:
        return old
    if old is not None and not old.done:
        previous, known = old.previous, old.previous_known  # the last content that was known good
    else:
        previous, known = ourmc.from_live(ctx.live.machine_config(mc_name_for_pool(target.pool)), target.pool), True
    return target.new_record(ctx.live.base_image, ctx.now, previous=previous, previous_known=known)


def _metadata_write(s: Standing) -> Action | None:
    """An update that changes no image (labels, annotations) goes out without gates: nothing reboots."""
    if (
        s.target.metadata_only
        and not s.needs_write
        and s.phase not in (Phase.ROLLING_BACK, Phase.ROLLED_BACK)
    ):
        return s.target.action
    return None


# ---- the rest --------------------------------------------------------------------------------------
def _overlay_pause(s: Standing, live: LiveState, held: frozenset[str]) -> Standing:
    """A rollout whose pools are paused shows as paused, with who paused it."""
    if s.phase not in gates.ROLLING_PHASES:
        return s
    ours = [p for p in s.target.affected if p in held]
    theirs = [p.name for p in live.pools if p.name in s.target.affected and p.paused and p.name not in held]
    if theirs:
        return replace(
            s, phase=Phase.PAUSED, reason=f"MachineConfigPool/{theirs[0]} is paused by someone else"
        )
    if ours:
        window = s.record.window if s.record is not None else None
        return replace(
            s, phase=Phase.PAUSED, reason=f"window {window} closed mid-rollout (overrun: pause)"
        )
    return s


def _kept_records(standings: Sequence[Standing]) -> tuple[PoolRecord, ...]:
    """Every record but finished removals: a pool back on its base image needs no memory."""
    kept = sorted((s.record for s in standings if s.record is not None), key=lambda r: r.pool)
    return tuple(r for r in kept if not (r.kind is RecordKind.REMOVE and r.done))
