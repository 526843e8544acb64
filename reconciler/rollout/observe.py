"""Reading a rollout off the live state: written, rendered, rolling, updated, degraded, node phases.

Only the pool's target rendered config tells whether the render picked our change up: a pool that
reports Updated=True with the old target is ignored (the render race).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence

from reconciler.model import FAILED_NODE_STATES, LiveState, MachineConfigInfo, NodeState, PoolState, mc_name_for_pool
from reconciler.records import record
from reconciler.render import rendered_image, winner
from reconciler.rollout.decision import NodeProgress


@record
class Blocker:
    node: str | None
    reason: str


def our_mc_carries(live: LiveState, pool: str, image: str | None) -> bool:
    """Does the cluster show our MC of `pool` as wanted (image None: absent)?"""
    mc = live.machine_config(mc_name_for_pool(pool))
    if image is None:
        return mc is None
    return mc is not None and mc.managed and mc.os_image_url == image


def shadowing(live: LiveState, pool: str, image: str | None) -> MachineConfigInfo | None:
    """The MC that wins the pool's render over ours with another image (None: ours wins, or removal)."""
    own = live.pool(pool)
    if image is None or own is None:
        return None
    found = winner(own, live.by_role)
    if found is None or found.name == mc_name_for_pool(pool) or found.os_image_url == image:
        return None
    return found


def pools_of(live: LiveState, names: Iterable[str]) -> list[PoolState]:
    return [p for p in (live.pool(n) for n in names) if p is not None]


def expected_image(pool: PoolState, live: LiveState) -> str:
    """What the pool renders from the MCs on the cluster now (used once our MC is gone)."""
    return rendered_image(pool, live.by_role, live.base_image)


def is_rendered(pool: PoolState, mc_name: str, image: str | None, replaced_image: str, fallback: str) -> bool:
    """Does the pool's target rendered config carry the change?

    image None (a removal): the target is no longer made from our MC `mc_name`, when the pool says what
    it is made from; else it no longer carries the removed image, or carries the fallback. (A removal
    that changes no image, of an MC with kernel arguments say, is only rendered once the MC is gone
    from the sources.)
    """
    if image is not None:
        return pool.target_image == image
    if pool.target_sources:
        return mc_name not in pool.target_sources
    return pool.target_image == fallback or pool.target_image not in ("", replaced_image)


def is_updated(pool: PoolState) -> bool:
    """Every machine runs the target config, ready, nothing degraded."""
    return (
        bool(pool.target_config)
        and pool.current_config == pool.target_config
        and pool.machine_count == pool.updated_count == pool.ready_count
        and pool.unavailable_count == 0
        and pool.degraded_count == 0
        and not pool.degraded
        and pool.observed_generation >= pool.generation
    )


def degradation(
    live: LiveState, pools: Sequence[PoolState], only_current_target: bool = False
) -> Blocker | None:
    """The first degraded node (with its reason) or degraded pool condition, if any.

    only_current_target: count only what the pools' current target can have caused: nodes failing on
    that target (a node still failing on an older one recovers once retargeted) and render failures.
    """
    for pool in pools:
        for node in sorted(live.nodes_of(pool.name), key=lambda n: n.name):
            on_target = node.desired_config == pool.target_config
            if node.state in FAILED_NODE_STATES and (on_target or not only_current_target):
                return Blocker(node.name, node.reason or f"node is {node.state}")
    for pool in pools:
        if pool.is_true("RenderDegraded") or (
            _degraded_pool(pool) and not _node_attributed(live, pool, only_current_target)
        ):
            return Blocker(None, f"MachineConfigPool/{pool.name}: {_degraded_message(pool)}")
    return None


def _degraded_pool(pool: PoolState) -> bool:
    return pool.degraded or pool.degraded_count > 0


def _node_attributed(live: LiveState, pool: PoolState, only_current_target: bool) -> bool:
    """With node states known, a node-level degradation is judged by the nodes (above), not the pool."""
    return only_current_target and bool(live.nodes_of(pool.name)) and not pool.is_true("RenderDegraded")


def _degraded_message(pool: PoolState) -> str:
    for type_ in ("RenderDegraded", "NodeDegraded", "Degraded"):
        cond = pool.condition(type_)
        if cond is not None and cond.status == "True":
            return cond.message or cond.reason or f"{type_}=True"
    return f"{pool.degraded_count} degraded machines"


def node_progress(live: LiveState, pools: Sequence[PoolState]) -> tuple[NodeProgress, ...]:
    found = []
    for pool in pools:
        for node in sorted(live.nodes_of(pool.name), key=lambda n: n.name):
            found.append(NodeProgress(node.name, pool.name, _node_phase(node, pool), node.state, node.reason))
    return tuple(found)


def _node_phase(node: NodeState, pool: PoolState) -> str:
    if node.state in FAILED_NODE_STATES:
        return "degraded"
    if node.current_config == pool.target_config and node.state == "Done" and node.ready:
        return "updated"
    if node.desired_config == pool.target_config:
        return node.phase or ("rebooting" if not node.ready else "working")
    return "queued"


def any_node_moved(pools: Sequence[PoolState], nodes: Sequence[NodeProgress]) -> bool:
    """Has the node controller started on the new target (a node targeted or updated)?"""
    if nodes:
        return any(n.phase != "queued" for n in nodes)
    return any(p.updated_count and p.current_config != p.target_config for p in pools)


def blocking_node(nodes: Sequence[NodeProgress]) -> Blocker | None:
    """The node holding the rollout: a degraded one, else one in progress (with a reason first)."""
    degraded = [n for n in nodes if n.phase == "degraded"]
    busy = [n for n in nodes if n.phase not in ("updated", "queued", "degraded")]
    explained = [n for n in busy if n.reason]
    for group in (degraded, explained, busy):
        if group:
            node = group[0]
            return Blocker(node.name, node.reason or f"node is {node.phase}")
    return None


def progress_digest(live: LiveState, pools: Sequence[PoolState]) -> str:
    """A short digest of everything that moves during a rollout: equal digests = no progress."""
    state = [
        [p.name, p.target_config, p.current_config, p.updated_count, p.ready_count, p.unavailable_count]
        for p in pools
    ]
    state += [
        [n.name, n.current_config, n.desired_config, n.state, n.phase, n.ready, n.unschedulable]
        for p in pools
        for n in sorted(live.nodes_of(p.name), key=lambda n: n.name)
    ]
    return hashlib.sha256(json.dumps(state).encode()).hexdigest()[:16]
