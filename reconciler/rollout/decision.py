"""What one rollout pass returns: the writes to execute, the memory to persist, and progress in words."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from reconciler.model import Action, DesiredMachineConfig
from reconciler.records import record

if TYPE_CHECKING:
    from reconciler.rollout.memory import Memory


@record
class WindowStatus:
    """A policy window at `now`, computed by the controller (cron trigger) and passed in."""

    name: str
    open: bool
    opens_at: float | None = None  # next opening (epoch s) when closed
    closes_at: float | None = None  # when the current opening ends


class Phase(StrEnum):
    WAITING = "waiting"  # for a stage, a window, a gate or a preflight problem
    WRITTEN = "written"  # our MachineConfig is written; the render has not picked it up yet
    RENDERED = "rendered"  # the pool targets a rendered config with the new image; no node moved yet
    ROLLING = "rolling"  # nodes are being drained, rebased and rebooted
    UPDATED = "updated"  # every node runs the new config; baking
    DONE = "done"  # updated and healthy for the bake time
    SHADOWED = "shadowed"  # our MC is on the cluster, but another MC sorting after it sets the pool's image
    PAUSED = "paused"  # mid-rollout, the pool is paused (by us for a window, or by someone else)
    STALLED = "stalled"  # no progress for the policy's stall time
    DEGRADED = "degraded"  # the pool or one of its nodes is degraded: later stages are halted
    ROLLING_BACK = "rolling-back"  # the previous MachineConfig was restored; the pool is going back
    ROLLED_BACK = "rolled-back"  # back on the previous content; this revision will not be applied again


HALTING_PHASES = frozenset({Phase.DEGRADED, Phase.ROLLING_BACK, Phase.ROLLED_BACK})
NEXT = "next: "  # the reason of a pool whose write this pass decided: `next: write MachineConfig/…`
WRITTEN_REASON = "MachineConfig written; waiting for the render"


@record
class NodeProgress:
    name: str
    pool: str
    phase: str  # queued | cordoned | drained | applying | rebooting | updated | degraded | …
    state: str = "Done"
    reason: str = ""


@record
class PoolProgress:
    pool: str
    stage: int
    phase: Phase
    reason: str  # why the pool is in this phase, in words
    binding: str = ""  # the binding rolling out ("" for a pool we only remove from)
    image: str | None = None  # the image our MC carries for this rollout; None = removal (back to base)
    affected: tuple[str, ...] = ()  # the pool plus unbound custom pools the change reaches
    blocking_node: str | None = None
    blocking_reason: str = ""
    window: str | None = None
    window_opens_at: float | None = None
    bake_remaining: float | None = None  # seconds, while updated and baking
    stale: bool = False  # the cluster's base image changed since this binding was applied
    stale_reason: str = ""
    nodes: tuple[NodeProgress, ...] = ()


@record
class RestoreMachineConfig:
    """Rollback: put our MC of `pool` back to what it was before the failed write.

    `content` None means the MC did not exist before: delete it. Otherwise create it (when
    `resource_version` is "", the MC is absent now) or replace it (with that resourceVersion).
    """

    pool: str
    mc_name: str
    content: DesiredMachineConfig | None
    resource_version: str
    reason: str


@record
class PausePool:
    """Set the pool's spec.paused (overrun: pause, around maintenance windows)."""

    pool: str
    paused: bool
    reason: str = ""


Write = Action | RestoreMachineConfig | PausePool


@record
class Decision:
    """The outcome of one pass.

    Persist `memory` BEFORE executing `writes` (in order); if saving fails, execute none of them.
    """

    writes: tuple[Write, ...]
    memory: Memory
    pools: tuple[PoolProgress, ...]
    halted: bool
    done: bool
    summary: str

    def pool(self, name: str) -> PoolProgress | None:
        return next((p for p in self.pools if p.pool == name), None)
