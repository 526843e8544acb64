"""Gates: may a pool's change start now? And which pools must be paused for their window?

A change starts only when, in this order: the plan has no blocking problem; no pool of the same or a
lower stage is halted (degraded, rolling back, rolled back) — except the halted pool itself, whose
fix may supersede its bad revision; every pool of every lower stage is done (bake included); the pool
exists; none of the pools it reaches is paused by someone else; none is degraded (unless by our own
change in flight); and its window, if any, is open.

A removal that reaches no existing pool (our MachineConfig for a pool that is gone, which no other
pool selects) boots nothing: it neither waits for other stages nor holds them back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from reconciler.model import LiveState, Overrun, Plan, Policy
from reconciler.records import record
from reconciler.rollout import observe
from reconciler.rollout.decision import HALTING_PHASES, PausePool, Phase, WindowStatus
from reconciler.rollout.phases import Standing

ROLLING_PHASES = frozenset({Phase.WRITTEN, Phase.RENDERED, Phase.ROLLING, Phase.STALLED})
# waiting: a rollout still on the cluster while its successor waits for its gates
HOLDABLE_PHASES = ROLLING_PHASES | {Phase.PAUSED, Phase.WAITING}


@record
class Gate:
    """Why a change may not start yet."""

    reason: str
    opens_at: float | None = None  # when the pool's window opens next (window gates only)


@record
class Others:
    """What the other pools' standings say about starts, gathered once per decision: those that reach a
    pool and halt the rollout, and per stage the first unfinished one below it (in decision order)."""

    halting: tuple[Standing, ...]
    unfinished_below: dict[int, Standing]


def others_of(standings: Sequence[Standing], live: LiveState) -> Others:
    ordered = [s for s in standings if reaches_a_pool(s, live)]
    unfinished = [s for s in ordered if s.phase is not Phase.DONE]
    below: dict[int, Standing] = {}
    for stage in {s.target.stage for s in standings}:
        first = next((s for s in unfinished if s.target.stage < stage), None)
        if first is not None:
            below[stage] = first
    return Others(tuple(s for s in ordered if s.phase in HALTING_PHASES), below)


def start_gate(
    standing: Standing,
    others: Others,
    plan: Plan,
    live: LiveState,
    windows: Mapping[str, WindowStatus],
    paused_by_us: Sequence[str],
) -> Gate | None:
    """None when the change of `standing` may be written now."""
    target = standing.target
    staged = reaches_a_pool(standing, live)
    checks = (
        _preflight(plan),
        _no_write(standing),
        _halted(standing, others.halting) if staged else None,
        _lower_stages(standing, others) if staged else None,
        _pool_health(standing, live, paused_by_us),
    )
    for gate in checks:
        if gate is not None:
            return gate
    return window_gate(target.window, windows)


def reaches_a_pool(standing: Standing, live: LiveState) -> bool:
    """False for a removal whose pools are all gone: it renders nowhere, so no node waits on it."""
    return standing.target.image is not None or bool(observe.pools_of(live, standing.target.affected))


def _preflight(plan: Plan) -> Gate | None:
    blocking = plan.blocking
    if not blocking:
        return None
    more = f" (and {len(blocking) - 1} more)" if len(blocking) > 1 else ""
    return Gate(f"blocked by preflight: {blocking[0]}{more}")


def _no_write(standing: Standing) -> Gate | None:
    if standing.target.action is None:
        return Gate("the plan has no write for this pool")
    return None


def _halted(standing: Standing, halting: Sequence[Standing]) -> Gate | None:
    stage = standing.target.stage
    for other in halting:
        if other.target.pool != standing.target.pool and other.target.stage <= stage:
            who = f"{other.target.pool} (stage {other.target.stage})"
            return Gate(f"halted: {who} is {other.phase.value}")
    return None


def _lower_stages(standing: Standing, others: Others) -> Gate | None:
    other = others.unfinished_below.get(standing.target.stage)
    if other is None:
        return None
    state = f"{other.target.pool} is {other.phase.value} ({other.reason})"
    return Gate(f"waiting for stage {other.target.stage}: {state}")


def _pool_health(standing: Standing, live: LiveState, paused_by_us: Sequence[str]) -> Gate | None:
    pools = observe.pools_of(live, standing.target.affected)
    if live.pool(standing.target.pool) is None and standing.target.image is not None:
        return Gate(f"MachineConfigPool/{standing.target.pool} not found")
    for pool in pools:
        if pool.paused and pool.name not in paused_by_us:
            return Gate(f"MachineConfigPool/{pool.name} is paused by someone else; it must be unpaused first")
    degraded = observe.degradation(live, pools)
    if degraded is not None and not standing.in_flight:
        where = f"node {degraded.node}: " if degraded.node else ""
        return Gate(f"the pool is degraded: {where}{degraded.reason}")
    return None


def window_gate(name: str | None, windows: Mapping[str, WindowStatus]) -> Gate | None:
    if name is None:
        return None
    status = windows.get(name)
    if status is None:
        return Gate(f"window {name} is unknown: no change starts outside a known window")
    if status.open:
        return None
    when = f"; opens {format_time(status.opens_at)}" if status.opens_at is not None else "; no opening ahead"
    return Gate(f"outside window {name}{when}", status.opens_at)


def format_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


# ---- overrun: pause --------------------------------------------------------------------------------
@record
class Pausing:
    writes: tuple[PausePool, ...]
    paused_by_us: tuple[str, ...]  # the memory's new list
    held: frozenset[str]  # pools that are (or are being) held for a closed window


def plan_pauses(
    standings: Sequence[Standing],
    live: LiveState,
    windows: Mapping[str, WindowStatus],
    policy: Policy,
    paused_by_us: Sequence[str],
) -> Pausing:
    """Pause pools rolling when their window closes; unpause the ones we paused once it opens.

    A pool stays in `paused_by_us` until the cluster shows it unpaused, so a crash between saving
    the memory and unpausing cannot leave a pool paused that we no longer claim.
    """
    wanted = _to_hold(standings, windows, policy)
    ours = set(paused_by_us)
    writes: list[PausePool] = []
    for name in sorted(wanted | ours):
        pool = live.pool(name)
        if pool is None:
            ours.discard(name)
        elif name in wanted and not pool.paused:
            writes.append(PausePool(name, True, "window closed mid-rollout (overrun: pause)"))
            ours.add(name)
        elif name not in wanted and name in ours and pool.paused:
            writes.append(PausePool(name, False, "window open again"))
        elif name not in wanted:
            ours.discard(name)
    held = frozenset(n for n in wanted if n in ours)
    return Pausing(tuple(writes), tuple(sorted(ours)), held)


def _to_hold(standings: Sequence[Standing], windows: Mapping[str, WindowStatus], policy: Policy) -> set[str]:
    if policy.overrun is not Overrun.PAUSE:
        return set()
    held: set[str] = set()
    for s in standings:
        record = s.record
        if not s.in_flight or record is None or record.window is None or s.phase not in HOLDABLE_PHASES:
            continue
        status = windows.get(record.window)
        if status is not None and not status.open:
            held.update(record.affected)
    return held
