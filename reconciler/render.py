"""The render controller's osImageURL choice: the one home of the render-order rule. Pure.

The MCO selects the MachineConfigs whose role label the pool selects, orders worker-role MCs first
(by name) and then the rest (by name), and the last one with a non-empty osImageURL wins; with none,
the release base image is used. Used by plan/ (what a change reaches, what shadows ours) and
rollout/ (what a pool renders once our MachineConfig is gone).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reconciler.model import WORKER_ROLE, LiveState, MachineConfigInfo, PoolState, RoleIndex, mc_name_for_pool

MachineConfigs = RoleIndex | Iterable[MachineConfigInfo]  # an index (LiveState.by_role) is read per role

__all__ = [
    "inheriting_pools", "pools_selecting", "render_key", "rendered_image", "selected", "shadowing", "winner",
]


def render_key(mc: MachineConfigInfo) -> tuple[int, str]:
    """The MCO's render order: worker-role MachineConfigs first, then the rest, each by name."""
    return (0 if mc.role == WORKER_ROLE else 1, mc.name)


def selected(pool: PoolState, mcs: MachineConfigs) -> tuple[MachineConfigInfo, ...]:
    """The MCs the pool renders, in render order."""
    index = mcs if isinstance(mcs, RoleIndex) else RoleIndex(mcs)
    return index.ordered(pool.roles, render_key)


def winner(pool: PoolState, mcs: MachineConfigs) -> MachineConfigInfo | None:
    """The MC whose osImageURL the pool's rendered config carries (None: the base image)."""
    with_image = [mc for mc in selected(pool, mcs) if mc.os_image_url]
    return with_image[-1] if with_image else None


def rendered_image(pool: PoolState, mcs: MachineConfigs, base_image: str) -> str:
    """The osImageURL the pool renders from `mcs`: the last one in render order that sets it, else the base."""
    found = winner(pool, mcs)
    return found.os_image_url if found is not None else base_image


def shadowing(pool: PoolState, ours: MachineConfigInfo, mcs: MachineConfigs) -> list[str]:
    """Names of MCs that are not ours, set osImageURL and sort after ours in this pool's render."""
    ours_key = render_key(ours)
    return [
        mc.name
        for mc in selected(pool, mcs)
        if not mc.managed and mc.name != ours.name and mc.os_image_url and render_key(mc) > ours_key
    ]


def pools_selecting(role: str, pools: Sequence[PoolState]) -> list[PoolState]:
    return sorted((p for p in pools if role in p.roles), key=lambda p: p.name)


def inheriting_pools(pool: str, live: LiveState) -> tuple[str, ...]:
    """Other pools whose rendered osImageURL our MC for `pool` would decide.

    A custom pool selects roles [worker, <name>], so the worker MC reaches it, unless an MC of its own
    that sets osImageURL sorts after ours (its own-role MCs come after worker-role MCs).
    """
    probe = MachineConfigInfo(name=mc_name_for_pool(pool), role=pool, os_image_url="probe", managed=True)
    last = render_key(probe)
    return tuple(
        p.name
        for p in pools_selecting(pool, live.pools)
        if p.name != pool
        and all(render_key(mc) < last for mc in selected(p, live.by_role) if mc.os_image_url and mc.name != probe.name)
    )
