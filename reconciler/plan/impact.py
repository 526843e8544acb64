"""Which pools a change reaches and how many nodes it reboots.

Each pool whose rendered osImageURL changes is counted once, so the impacts of one plan add up to the
number of nodes that really reboot: against the pool's own action when that action's MachineConfig wins
its render before or after, else against the action whose MachineConfig wins afterwards, else the one
that removed the old winner. A pool whose image stays but which gains or loses a MachineConfig with
other content (kernel arguments, files, extensions) re-renders too: it is counted against the first
changed MachineConfig that carries such content. An action's pools are those counted against it plus
those whose render its MachineConfig decides afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from reconciler import ourmc, render
from reconciler.model import Action, ActionKind, Impact, LiveState, MachineConfigInfo, PoolState, RoleIndex
from reconciler.records import record

WRITES = (ActionKind.CREATE, ActionKind.UPDATE)


def state_after(live: LiveState, actions: Sequence[Action]) -> LiveState:
    """The cluster's MachineConfigs once every action is applied (unowned MCs are never replaced)."""
    deleted = {a.mc_name for a in actions if a.kind is ActionKind.DELETE}
    written = {a.mc_name: a for a in actions if a.kind in WRITES}
    unowned = {mc.name for mc in live.machine_configs if not mc.managed}
    kept = [mc for mc in live.machine_configs if mc.name not in deleted and not _replaced(mc, written)]
    added = [ourmc.as_live(a.content) for name, a in sorted(written.items()) if name not in unowned]
    return replace(live, machine_configs=(*kept, *added))


def _replaced(mc: MachineConfigInfo, written: dict[str, Action]) -> bool:
    return mc.managed and mc.name in written


@record
class _PoolRender:
    pool: PoolState
    before_image: str
    after_image: str
    before_winner: str | None
    after_winner: str | None
    content_changed_by: tuple[str, ...] = ()  # MCs with content besides osImageURL that join or leave

    @property
    def changes(self) -> bool:
        return self.before_image != self.after_image or bool(self.content_changed_by)


def _renders(live: LiveState, after: LiveState) -> list[_PoolRender]:
    result = []
    before_index, after_index = live.by_role, after.by_role
    for pool in sorted(live.pools, key=lambda p: p.name):
        before_winner = render.winner(pool, before_index)
        after_winner = render.winner(pool, after_index)
        result.append(
            _PoolRender(
                pool=pool,
                before_image=before_winner.os_image_url if before_winner else live.base_image,
                after_image=after_winner.os_image_url if after_winner else live.base_image,
                before_winner=before_winner.name if before_winner else None,
                after_winner=after_winner.name if after_winner else None,
                content_changed_by=_content_changes(pool, before_index, after_index),
            )
        )
    return result


def _content_changes(pool: PoolState, before: RoleIndex, after: RoleIndex) -> tuple[str, ...]:
    """MCs of the pool with content besides osImageURL that the plan adds, removes or replaces."""
    def carried(mcs: RoleIndex) -> list[MachineConfigInfo]:
        return [mc for mc in render.selected(pool, mcs) if _other_content(mc)]

    old, new = carried(before), carried(after)
    if old == new:  # mostly the very same objects (the plan keeps every MC it does not write)
        return ()
    return tuple(sorted({mc.name for mc in set(old) ^ set(new)}))


def _other_content(mc: MachineConfigInfo) -> bool:
    return mc.has_other_content or bool(mc.extensions) or mc.kernel_type not in ("", "default")


def _owner(r: _PoolRender, changed: dict[str, str]) -> str | None:
    """The changed MC a pool's reboot is counted against (`changed`: MC name -> its action's pool)."""
    named = (r.after_winner, r.before_winner) if r.before_image != r.after_image else r.content_changed_by
    winners = [w for w in named if w is not None and w in changed]
    own = [w for w in winners if changed[w] == r.pool.name]
    ranked = own or winners
    return ranked[0] if ranked else None


def impacts(
    live: LiveState, actions: Sequence[Action], after: LiveState
) -> dict[str, Impact]:
    """Impact per MachineConfig name for every action that changes something."""
    changed = {a.mc_name: a.pool for a in actions if a.kind is not ActionKind.UNCHANGED}
    owned_by: dict[str | None, list[_PoolRender]] = {}
    decided_by: dict[str | None, list[_PoolRender]] = {}
    for r in _renders(live, after):
        owner = _owner(r, changed) if r.changes else None
        owned_by.setdefault(owner, []).append(r)
        if r.after_winner != owner:
            decided_by.setdefault(r.after_winner, []).append(r)
    result: dict[str, Impact] = {}
    for action in actions:
        if action.kind is ActionKind.UNCHANGED:
            continue
        owned = owned_by.get(action.mc_name, [])
        deciding = decided_by.get(action.mc_name, [])
        nodes = sum(r.pool.machine_count for r in owned)
        names = sorted((r.pool.name for r in owned + deciding), key=lambda n: (n != action.pool, n))
        result[action.mc_name] = Impact(pools=tuple(names), nodes_to_reboot=nodes)
    return result


def fallback_image(pool: PoolState | None, after: LiveState) -> str:
    """What a pool renders once the plan is applied (used to word a removal)."""
    return render.rendered_image(pool, after.by_role, after.base_image) if pool else after.base_image
