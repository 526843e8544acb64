"""What the repository wants for each pool this pass, in the rollout's terms.

A pool is tracked when the plan has an action for it, the repository binds it, or the memory holds a
record of a rollout on it (a removal whose MachineConfig is already gone, for instance).

Removals (DELETE actions) take their stage from the live MC's `layering.gitops.dev/stage` annotation
(the stage of the binding that wrote it), else from the memory record, else 0; their window is the one
the removed binding had, as recorded in memory when it was applied.
"""

from __future__ import annotations

from typing import Any

from reconciler.model import (
    ANNOTATION_BINDING,
    ANNOTATION_STAGE,
    Action,
    ActionKind,
    Binding,
    DesiredState,
    LiveState,
    Plan,
    mc_name_for_pool,
)
from reconciler.records import record
from reconciler.rollout.memory import Memory, PoolRecord, RecordKind


@record
class PoolTarget:
    pool: str
    image: str | None  # what our MC must carry; None = our MC absent (back to the base image)
    binding: str  # the binding's name ("" when unknown)
    stage: int
    window: str | None
    action: Action | None  # the plan's write that gets there (None: the plan has nothing to write)
    replaced_image: str = ""  # the image our MC carries now
    affected: tuple[str, ...] = ()

    def new_record(self, base_image: str, now: float, **fields: Any) -> PoolRecord:
        """A fresh memory record of a rollout to this target, started `now` against `base_image`."""
        return PoolRecord(
            pool=self.pool,
            kind=RecordKind.APPLY if self.image is not None else RecordKind.REMOVE,
            image=self.image,
            replaced_image=self.replaced_image,
            binding=self.binding,
            stage=self.stage,
            window=self.window,
            affected=self.affected,
            base_image=base_image,
            started_at=now,
            progress_at=now,
            **fields,
        )

    @property
    def metadata_only(self) -> bool:
        """An update of labels / annotations only: no image change, nothing reboots."""
        a = self.action
        return a is not None and a.kind is ActionKind.UPDATE and a.old_image == a.new_image


def collect_targets(
    plan: Plan, desired: DesiredState, live: LiveState, memory: Memory
) -> dict[str, PoolTarget]:
    found: dict[str, PoolTarget] = {}
    for action in plan.actions:
        if action.pool not in found:
            found[action.pool] = _from_action(action, live, memory.record(action.pool))
    for binding in desired.bindings:
        if binding.pool not in found:
            found[binding.pool] = _from_binding(binding, None, live, memory.record(binding.pool))
    for kept in memory.records:
        if kept.pool not in found:
            found[kept.pool] = _from_record(kept)
    return {pool: found[pool] for pool in sorted(found)}


def _from_action(action: Action, live: LiveState, record: PoolRecord | None) -> PoolTarget:
    write = action if action.kind is not ActionKind.UNCHANGED else None
    if action.kind is ActionKind.DELETE or action.binding is None:
        return _removal(action.pool, write, live, record, action.old_image or "")
    return _from_binding(action.binding, write, live, record)


def _from_binding(binding: Binding, action: Action | None, live: LiveState, record: PoolRecord | None) -> PoolTarget:
    mc = live.machine_config(mc_name_for_pool(binding.pool))
    return PoolTarget(
        pool=binding.pool,
        image=binding.os_image_url,
        binding=binding.name,
        stage=binding.stage,
        window=binding.window,
        action=action,
        replaced_image=mc.os_image_url if mc is not None else "",
        affected=_affected(binding.pool, action, binding.os_image_url, record),
    )


def _removal(
    pool: str, action: Action | None, live: LiveState, record: PoolRecord | None, replaced: str
) -> PoolTarget:
    mc = live.machine_config(mc_name_for_pool(pool))
    annotated_binding = mc.annotation(ANNOTATION_BINDING) if mc is not None else None
    annotated_stage = _as_int(mc.annotation(ANNOTATION_STAGE)) if mc is not None else None
    return PoolTarget(
        pool=pool,
        image=None,
        binding=annotated_binding or (record.binding if record else ""),
        stage=annotated_stage if annotated_stage is not None else (record.stage if record else 0),
        window=record.window if record else None,
        action=action,
        replaced_image=replaced or (record.replaced_image if record and record.image is None else ""),
        affected=_affected(pool, action, None, record),
    )


def _from_record(record: PoolRecord) -> PoolTarget:
    """A pool only the memory knows: our MC and the binding are both gone, so it goes back to base."""
    replaced = record.replaced_image if record.image is None else record.image
    return PoolTarget(record.pool, None, record.binding, record.stage, record.window, None, replaced,
                      _affected(record.pool, None, None, record))


def _affected(pool: str, action: Action | None, image: str | None, record: PoolRecord | None) -> tuple[str, ...]:
    """The pool first, then the pools whose render the change reaches (custom pools inheriting worker)."""
    if action is not None:
        reached = action.impact.pools
    elif record is not None and record.image == image:
        reached = record.affected
    else:
        reached = ()
    return (pool, *(p for p in reached if p != pool))


def _as_int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None
