"""Pure rollout state machine: stages, bake gates, windows, halt / rollback on degraded, resume.

`decide(plan, desired, live, memory, windows, now)` is called once per level-triggered pass and
returns the next writes plus the memory to persist (before executing them).
"""

from reconciler.rollout.assemble import after_writes, phase_and_reason
from reconciler.rollout.decide import decide
from reconciler.rollout.decision import (
    Decision,
    NodeProgress,
    PausePool,
    Phase,
    PoolProgress,
    RestoreMachineConfig,
    WindowStatus,
    Write,
)
from reconciler.rollout.memory import FailedRevision, Memory, PoolRecord, RecordKind

__all__ = [
    "Decision",
    "FailedRevision",
    "Memory",
    "NodeProgress",
    "PausePool",
    "Phase",
    "PoolProgress",
    "PoolRecord",
    "RecordKind",
    "RestoreMachineConfig",
    "WindowStatus",
    "Write",
    "after_writes",
    "decide",
    "phase_and_reason",
]
