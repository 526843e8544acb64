"""Preflight problems: what stops every write (blocking) and what a reviewer should know (warnings)."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler import render
from reconciler.model import (
    FAILED_NODE_STATES,
    MASTER_ROLE,
    Action,
    ActionKind,
    Binding,
    DesiredState,
    LiveState,
    PoolState,
    Problem,
    Severity,
)
from reconciler.plan.impact import fallback_image


def pool_subject(pool: str) -> str:
    return f"MachineConfigPool/{pool}"


def binding_subject(binding: Binding) -> str:
    return str(binding.location) if binding.location.path else pool_subject(binding.pool)


def blocking(subject: str, message: str) -> Problem:
    return Problem(Severity.BLOCKING, subject, message)


def warning(subject: str, message: str) -> Problem:
    return Problem(Severity.WARNING, subject, message)


# ---- the repository as a whole --------------------------------------------------------------------
def empty_commit_problems(desired: DesiredState, live: LiveState) -> list[Problem]:
    """A commit that removes every binding while we still manage MCs needs `allowEmpty: true`."""
    managed = sorted(mc.name for mc in live.machine_configs if mc.managed)
    if desired.bindings or not managed or desired.policy.allow_empty:
        return []
    message = (
        f"this commit removes every binding, which would delete {len(managed)} managed MachineConfig(s) "
        f"({', '.join(managed)}) and send their pools back to the base image; if that is intended, "
        "set spec.allowEmpty: true in the LayeringPolicy"
    )
    return [blocking(str(desired.policy.location), message)]


def duplicate_pool_problems(bindings: Sequence[Binding]) -> list[Problem]:
    seen: dict[str, Binding] = {}
    problems = []
    for binding in bindings:
        first = seen.setdefault(binding.pool, binding)
        if first is not binding:
            message = f"binding {binding.name} targets pool {binding.pool}, already bound by {first.name}"
            problems.append(blocking(binding_subject(binding), message))
    return problems


# ---- one binding's pool ----------------------------------------------------------------------------
def binding_problems(
    binding: Binding, action: Action, live: LiveState, after: LiveState
) -> list[Problem]:
    pool = live.pool(binding.pool)
    if pool is None:
        known = ", ".join(sorted(p.name for p in live.pools)) or "none"
        message = f"binding {binding.name}: MachineConfigPool {binding.pool} does not exist (pools: {known})"
        return [blocking(binding_subject(binding), message)]
    problems = [*_unowned_name(action, live), *_selector(binding, pool), *_shadowed(action, pool, after)]
    if action.kind in (ActionKind.CREATE, ActionKind.UPDATE):
        problems += _empty_pool(pool)
        if not binding.accept_conflicts:
            problems += _conflicts(binding, action, live)
    return problems


def _unowned_name(action: Action, live: LiveState) -> list[Problem]:
    existing = live.machine_config(action.mc_name)
    if existing is None or existing.managed:
        return []
    message = (
        f"MachineConfig {action.mc_name} already exists without the label "
        "app.kubernetes.io/managed-by=layering-reconciler; it is not ours, so it is never overwritten: "
        "rename or delete it (or label it if it really is ours)"
    )
    return [blocking(pool_subject(action.pool), message)]


def _selector(binding: Binding, pool: PoolState) -> list[Problem]:
    if binding.pool in pool.roles:
        return []
    if not pool.roles:
        message = "its machineConfigSelector selects no role we can read; our MachineConfig may not reach it"
        return [warning(pool_subject(pool.name), message)]
    message = (
        f"its machineConfigSelector selects roles [{', '.join(pool.roles)}] but not {binding.pool}, "
        f"so a MachineConfig with role {binding.pool} would never reach its nodes"
    )
    return [blocking(pool_subject(pool.name), message)]


def _shadowed(action: Action, pool: PoolState, after: LiveState) -> list[Problem]:
    ours = after.machine_config(action.mc_name)
    if ours is None or not ours.managed:
        return []
    names = render.shadowing(pool, ours, after.by_role)
    if not names:
        return []
    message = (
        f"MachineConfig {', '.join(names)} also sets osImageURL and sorts after {action.mc_name} in the "
        f"render order, so it wins and {action.mc_name} would have no effect; remove osImageURL from it "
        "or delete it"
    )
    return [blocking(pool_subject(pool.name), message)]


def _empty_pool(pool: PoolState) -> list[Problem]:
    if pool.machine_count:
        return []
    return [warning(pool_subject(pool.name), "pool has no nodes: nothing boots this image until nodes join")]


def _conflicts(binding: Binding, action: Action, live: LiveState) -> list[Problem]:
    problems = []
    for name in _own_and_reached(action):
        pool = live.pool(name)
        found = _conflicting(pool, live.by_role) if pool else []
        if found:
            message = (
                f"{'; '.join(found)}: a custom image combined with extensions or a realtime kernel from "
                "MachineConfigs can conflict with the image's packages and leave nodes Degraded: remove the "
                "conflicting extension from the machine config before going on, or set "
                f"acceptConflicts: true on binding {binding.name}"
            )
            problems.append(warning(pool_subject(name), message))
    return problems


def _conflicting(pool: PoolState, mcs: render.MachineConfigs) -> list[str]:
    found = []
    for mc in render.selected(pool, mcs):
        if mc.managed:
            continue
        if mc.extensions:
            found.append(f"MachineConfig {mc.name} adds extensions [{', '.join(mc.extensions)}]")
        if mc.kernel_type == "realtime":
            found.append(f"MachineConfig {mc.name} sets kernelType realtime")
    return found


def _own_and_reached(action: Action) -> list[str]:
    return [action.pool, *(p for p in action.impact.pools if p != action.pool)]


# ---- any change ------------------------------------------------------------------------------------
def change_problems(action: Action, live: LiveState, after: LiveState) -> list[Problem]:
    """Warnings for every pool a create / update / delete reaches."""
    problems = _removal(action, live, after) if action.kind is ActionKind.DELETE else []
    problems += _control_plane(action, live)
    for name in _own_and_reached(action):
        pool = live.pool(name)
        if pool is not None:
            problems += _paused(pool) + _degraded(pool, live)
    return problems


def _control_plane(action: Action, live: LiveState) -> list[Problem]:
    """A change that re-renders a pool selecting the master role reboots control-plane nodes."""
    if not action.impact.nodes_to_reboot:
        return []
    masters = [p for p in observed_pools(action, live) if MASTER_ROLE in p.roles]
    nodes = sum(p.machine_count for p in masters)
    if not nodes:
        return []
    names = ", ".join(p.name for p in masters)
    message = (
        f"this change reboots {nodes} control-plane node(s) (pool {names}): each reboot takes an API server "
        "and an etcd member away; make sure the control plane is healthy and the image was tested on workers "
        "first (a lower stage)"
    )
    return [warning(pool_subject(masters[0].name), message)]


def observed_pools(action: Action, live: LiveState) -> list[PoolState]:
    return [p for p in (live.pool(n) for n in _own_and_reached(action)) if p is not None]


def _removal(action: Action, live: LiveState, after: LiveState) -> list[Problem]:
    pool = live.pool(action.pool)
    if pool is None:
        return [_orphan(action, live)]
    image = fallback_image(pool, after)
    target = "the base image" if image == live.base_image else "the image of another MachineConfig"
    nodes = action.impact.nodes_to_reboot
    effect = (f"a full drain-and-reboot of {nodes} node(s)" if nodes
              else "which it already renders: no render changes and no node reboots")
    message = (
        f"binding removed: deleting MachineConfig {action.mc_name} sends the pool back to {target} "
        f"{image}, {effect}"
    )
    return [warning(pool_subject(action.pool), message)]


def _paused(pool: PoolState) -> list[Problem]:
    if not pool.paused:
        return []
    message = "pool is paused: the change is rendered but no node updates until the pool is unpaused"
    return [warning(pool_subject(pool.name), message)]


def _degraded(pool: PoolState, live: LiveState) -> list[Problem]:
    nodes = [n for n in live.nodes_of(pool.name) if n.state in FAILED_NODE_STATES]
    if not nodes and not pool.degraded:
        return []
    if nodes:
        detail = "; ".join(f"node {n.name} is {n.state}: {n.reason or 'no reason given'}" for n in nodes)
    else:
        detail = _degraded_condition_text(pool)
    return [warning(pool_subject(pool.name), f"pool is already degraded ({detail}); fix that before rolling")]


def _degraded_condition_text(pool: PoolState) -> str:
    for type_ in ("RenderDegraded", "NodeDegraded", "Degraded"):
        cond = pool.condition(type_)
        if cond is not None and cond.status == "True":
            return f"{type_}: {cond.message or cond.reason or 'no message'}"
    return "degraded"


def _orphan(action: Action, live: LiveState) -> Problem:
    """Our MC for a pool that no longer exists: no binding wants it, so it is deleted like any removal.

    It never holds other pools back: a removal that reaches no pool completes once the MC is gone."""
    reached = observed_pools(action, live)
    if reached:
        names = ", ".join(p.name for p in reached)
        effect = (f"pool(s) {names} still select role {action.pool}, so deleting it re-renders them "
                  f"({action.impact.nodes_to_reboot} node(s) reboot)")
    else:
        effect = f"no pool selects role {action.pool}, so deleting it changes no render and reboots nothing"
    message = (
        f"owned by the reconciler for MachineConfigPool {action.pool}, which does not exist; no binding "
        f"wants it, so it is deleted as a removal: {effect}"
    )
    return warning(f"MachineConfig/{action.mc_name}", message)
