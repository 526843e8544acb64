"""DesiredState and LiveState → Plan. Pure, deterministic (sorted by pool) and total."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from reconciler import ourmc, render
from reconciler.model import (
    NO_IMPACT,
    Action,
    ActionKind,
    Binding,
    DesiredState,
    Drift,
    ImageInfo,
    LiveState,
    MachineConfigInfo,
    Plan,
    Problem,
    Severity,
    mc_name_for_pool,
)
from reconciler.plan import checks
from reconciler.plan.images import image_check_results, image_problems
from reconciler.plan.impact import impacts, state_after

MC_PREFIX = mc_name_for_pool("")


def make_plan(desired: DesiredState, live: LiveState, images: Mapping[str, ImageInfo] | None = None,
              allow_stale_base: bool = False) -> Plan:
    """One action per bound pool plus a delete for every managed MC no binding wants.

    `images` (registry metadata per image reference and for the cluster's base image) enables the
    preflight checks (plan/preflight.py); `allow_stale_base` lets an image built FROM an older base roll."""
    bindings = _first_per_pool(desired.bindings)
    actions = [_binding_action(b, desired, live) for b in bindings]
    actions += _prune_actions(live, {a.mc_name for a in actions})
    after = state_after(live, actions)
    found = impacts(live, actions, after)
    actions = [replace(a, impact=found.get(a.mc_name, NO_IMPACT)) for a in actions]
    actions.sort(key=lambda a: (a.pool, a.mc_name))
    problems = _problems(desired, live, actions, after, images or {}, allow_stale_base)
    return Plan(repo=desired.repo, commit=desired.commit, actions=tuple(actions), problems=problems,
                image_checks=image_check_results(actions, live, images or {}))


def _first_per_pool(bindings: Iterable[Binding]) -> list[Binding]:
    firsts: dict[str, Binding] = {}
    for binding in bindings:
        firsts.setdefault(binding.pool, binding)
    return [firsts[pool] for pool in sorted(firsts)]


def _binding_action(binding: Binding, desired: DesiredState, live: LiveState) -> Action:
    want = ourmc.for_binding(binding, desired)

    def action(kind: ActionKind, old_image: str | None = None, resource_version: str = "",
               drift: tuple[Drift, ...] = ()) -> Action:
        return Action(pool=binding.pool, kind=kind, mc_name=want.name, old_image=old_image,
                      new_image=want.os_image_url, binding=binding, desired=want,
                      live_resource_version=resource_version, drift=drift)

    existing = live.machine_config(want.name)
    if existing is None:
        return action(ActionKind.CREATE, drift=_deleted_by_hand(binding, live))
    if not existing.managed:
        return action(ActionKind.CREATE)  # blocked: an MC we do not own has our name
    differences = ourmc.compare(existing, want)
    kind = ActionKind.UPDATE if differences else ActionKind.UNCHANGED
    return action(kind, existing.os_image_url or None, existing.resource_version, differences)


def _deleted_by_hand(binding: Binding, live: LiveState) -> tuple[Drift, ...]:
    """Our MC is gone, yet the pool still targets or runs the binding's image: someone deleted it.

    A pool that has already rolled back leaves no trace, so the create then shows without drift.
    """
    pool = live.pool(binding.pool)
    if pool is None or binding.os_image_url not in (pool.target_image, pool.current_image):
        return ()
    if render.rendered_image(pool, live.by_role, live.base_image) == binding.os_image_url:
        return ()  # another MachineConfig of the pool carries the same image
    return (ourmc.deleted(),)


def _prune_actions(live: LiveState, wanted: set[str]) -> list[Action]:
    return [
        Action(
            pool=_pool_of(mc),
            kind=ActionKind.DELETE,
            mc_name=mc.name,
            old_image=mc.os_image_url or None,
            new_image=None,
            live_resource_version=mc.resource_version,
        )
        for mc in sorted(live.machine_configs, key=lambda m: m.name)
        if mc.managed and mc.name not in wanted
    ]


def _pool_of(mc: MachineConfigInfo) -> str:
    if mc.role:
        return mc.role
    return mc.name.removeprefix(MC_PREFIX)


def _problems(
    desired: DesiredState,
    live: LiveState,
    actions: Sequence[Action],
    after: LiveState,
    images: Mapping[str, ImageInfo],
    allow_stale_base: bool,
) -> tuple[Problem, ...]:
    found = checks.empty_commit_problems(desired, live) + checks.duplicate_pool_problems(desired.bindings)
    found += image_problems(actions, live, images, allow_stale_base)
    for action in actions:
        if action.binding is not None:
            found += checks.binding_problems(action.binding, action, live, after)
        if action.kind is not ActionKind.UNCHANGED:
            found += checks.change_problems(action, live, after)
    unique = list(dict.fromkeys(found))
    unique.sort(key=lambda p: p.severity is not Severity.BLOCKING)
    return tuple(unique)
