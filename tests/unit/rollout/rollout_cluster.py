"""A tiny pure model of the MCO for rollout tests: render, node controller (maxUnavailable 1), daemons.

`apply_write` executes one rollout write; `tick` advances the cluster by one step (one minute):
the render picks up MC changes (so the pass right after a write still sees the old target: the render
race), one node at a time is targeted and walks drain → reboot → done in three steps, an image listed
in `bad_images` leaves its node Degraded with the daemon's reason, a node in `blocked_drains` never
finishes draining. `live` turns the model into the LiveState the reconciler reads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from reconciler.model import (
    Action,
    ActionKind,
    Binding,
    Condition,
    DesiredState,
    LiveState,
    MachineConfigInfo,
    NodeState,
    Policy,
    PoolState,
    Window,
)
from reconciler.rollout import PausePool, RestoreMachineConfig, Write

BASE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "0" * 64
NEW_BASE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "9" * 64
GOOD = "quay.io/my-registry/rhcos-hotfix@sha256:" + "1" * 64
GOOD2 = "quay.io/my-registry/rhcos-hotfix@sha256:" + "2" * 64
BAD = "quay.io/my-registry/rhcos-hotfix@sha256:" + "b" * 64
STEP = 60.0
WORKER_ROLE = "worker"


@dataclass(frozen=True)
class SimNode:
    name: str
    pool: str
    current: str
    desired: str
    state: str = "Done"
    reason: str = ""
    ready: bool = True
    step: int = 0  # 0 idle, 1 drained, 2 rebooting


@dataclass(frozen=True)
class SimPool:
    name: str
    roles: tuple[str, ...]
    target: str
    current: str
    paused: bool = False


@dataclass(frozen=True)
class SimCluster:
    base: str
    mcs: tuple[MachineConfigInfo, ...]
    pools: tuple[SimPool, ...]
    nodes: tuple[SimNode, ...]
    rendered: tuple[tuple[str, str], ...] = ()  # rendered name -> osImageURL
    bad_images: frozenset[str] = frozenset({BAD})
    blocked_drains: frozenset[str] = frozenset()
    revision: int = 1
    seen_mcs: tuple[MachineConfigInfo, ...] = ()  # what the render controller has caught up with
    log: tuple[str, ...] = ()  # every MC write and pool pause, in order

    def pool(self, name: str) -> SimPool:
        return next(p for p in self.pools if p.name == name)

    def image_of(self, rendered: str) -> str:
        return dict(self.rendered)[rendered]

    def mc(self, pool: str) -> MachineConfigInfo | None:
        return next((m for m in self.mcs if m.name == f"99-layering-{pool}"), None)


def rendered_name(pool: str, image: str) -> str:
    return f"rendered-{pool}-{hashlib.md5(image.encode()).hexdigest()[:12]}"


def new_cluster(pools: dict[str, int], base: str = BASE) -> SimCluster:
    """Pools by name with their node count; every pool but master and worker is custom (inherits worker)."""
    sim_pools, nodes, rendered = [], [], []
    for name, count in sorted(pools.items()):
        roles = (name,) if name in (WORKER_ROLE, "master") else (WORKER_ROLE, name)
        config = rendered_name(name, base)
        rendered.append((config, base))
        sim_pools.append(SimPool(name, roles, config, config))
        nodes += [SimNode(f"{name}-{i}", name, config, config) for i in range(count)]
    return SimCluster(base, (), tuple(sim_pools), tuple(nodes), tuple(sorted(set(rendered))))


# ---- writes ------------------------------------------------------------------------------------------
def apply_write(c: SimCluster, write: Write) -> SimCluster:
    if isinstance(write, PausePool):
        pools = tuple(replace(p, paused=write.paused) if p.name == write.pool else p for p in c.pools)
        return replace(c, pools=pools, log=(*c.log, f"pause {write.pool} {write.paused}"))
    if isinstance(write, RestoreMachineConfig):
        if write.content is None:
            return _delete(c, write.mc_name, f"restore-delete {write.pool}")
        d = write.content
        return _put(
            c,
            d.name,
            d.pool,
            d.os_image_url,
            d.labels,
            d.annotations,
            f"restore {write.pool} {d.os_image_url}",
        )
    assert isinstance(write, Action)
    if write.kind is ActionKind.DELETE:
        return _delete(c, write.mc_name, f"delete {write.pool}")
    want = write.desired
    assert want is not None
    entry = f"{write.kind.value} {write.pool} {want.os_image_url}"
    return _put(c, want.name, want.pool, want.os_image_url, want.labels, want.annotations, entry)


Pairs = tuple[tuple[str, str], ...]


def _put(
    c: SimCluster, name: str, pool: str, image: str, labels: Pairs, annotations: Pairs, entry: str
) -> SimCluster:
    mc = MachineConfigInfo(
        name=name,
        role=pool,
        os_image_url=image,
        managed=True,
        labels=labels,
        annotations=annotations,
        resource_version=str(c.revision + 1),
    )
    others = tuple(m for m in c.mcs if m.name != name)
    return replace(c, mcs=(*others, mc), revision=c.revision + 1, log=(*c.log, entry))


def _delete(c: SimCluster, name: str, entry: str) -> SimCluster:
    return replace(
        c, mcs=tuple(m for m in c.mcs if m.name != name), revision=c.revision + 1, log=(*c.log, entry)
    )


# ---- one step of the MCO -----------------------------------------------------------------------------
def tick(c: SimCluster) -> SimCluster:
    """The render works from the MCs as they were one step ago: the render lags every MC write."""
    c = replace(_render(c), seen_mcs=c.mcs)
    c = _node_controller(c)
    c = _daemons(c)
    return _pool_status(c)


def _pool_status(c: SimCluster) -> SimCluster:
    """status.configuration follows the target only once every node runs it."""
    pools = []
    for p in c.pools:
        nodes = [n for n in c.nodes if n.pool == p.name]
        if all(n.current == p.target and n.state == "Done" and n.ready for n in nodes):
            p = replace(p, current=p.target)
        pools.append(p)
    return replace(c, pools=tuple(pools))


def winning_image(c: SimCluster, pool: SimPool) -> str:
    selected = [m for m in c.seen_mcs if m.role in pool.roles]
    selected.sort(key=lambda m: (m.role != WORKER_ROLE, m.name))
    with_image = [m for m in selected if m.os_image_url]
    return with_image[-1].os_image_url if with_image else c.base


def _render(c: SimCluster) -> SimCluster:
    pools, rendered = [], dict(c.rendered)
    for pool in c.pools:
        image = winning_image(c, pool)
        name = rendered_name(pool.name, image)
        rendered[name] = image
        pools.append(replace(pool, target=name))
    return replace(c, pools=tuple(pools), rendered=tuple(sorted(rendered.items())))


def _node_controller(c: SimCluster) -> SimCluster:
    nodes = list(c.nodes)
    for pool in c.pools:
        if pool.paused:
            continue
        mine = [i for i, n in enumerate(nodes) if n.pool == pool.name]
        for i in mine:  # nodes already working on another config are retargeted at once
            if nodes[i].desired != nodes[i].current and nodes[i].desired != pool.target:
                nodes[i] = replace(nodes[i], desired=pool.target, step=0)
        busy = [i for i in mine if nodes[i].desired != nodes[i].current]
        waiting = [i for i in mine if nodes[i].desired != pool.target]
        if not busy and waiting:
            nodes[waiting[0]] = replace(nodes[waiting[0]], desired=pool.target, state="Working", step=0)
    return replace(c, nodes=tuple(nodes))


def _daemons(c: SimCluster) -> SimCluster:
    return replace(c, nodes=tuple(_daemon_step(c, n) for n in c.nodes))


def _daemon_step(c: SimCluster, n: SimNode) -> SimNode:
    if n.desired == n.current:
        return replace(n, state="Done", reason="", ready=True, step=0)
    image = c.image_of(n.desired)
    if image in c.bad_images:
        reason = (
            f"failed to update OS to {image} after retries: error running rpm-ostree rebase --experimental "
            f"ostree-unverified-registry:{image}: manifest unknown: exit status 1"
        )
        return replace(n, state="Degraded", reason=reason, step=1)
    if n.name in c.blocked_drains:
        pdb = "Cannot evict pod as it would violate the pod's disruption budget"
        reason = f"failed to drain node: {n.name}: {pdb}"
        return replace(n, state="Working", reason=reason, step=1)
    if n.step == 0:
        return replace(n, state="Working", reason="", step=1)
    if n.step == 1:
        return replace(n, ready=False, step=2)
    return replace(n, current=n.desired, state="Done", reason="", ready=True, step=0)


# ---- what the reconciler reads -----------------------------------------------------------------------
def live(c: SimCluster, now: float, release: str = "4.16.3") -> LiveState:
    return LiveState(
        base_image=c.base,
        release_version=release,
        machine_configs=c.mcs,
        pools=tuple(_pool_state(c, p) for p in c.pools),
        nodes=tuple(_node_state(n) for n in c.nodes),
        observed_at=now,
    )


def _pool_state(c: SimCluster, p: SimPool) -> PoolState:
    nodes = [n for n in c.nodes if n.pool == p.name]
    updated = [n for n in nodes if n.current == p.target and n.state == "Done" and n.ready]
    degraded = [n for n in nodes if n.state == "Degraded"]
    current = p.current
    done = current == p.target
    conditions = (
        Condition(
            "Updated",
            "True" if done else "False",
            message=f"All nodes are updated with MachineConfig {current}",
        ),
        Condition("Updating", "False" if done else "True"),
        Condition("NodeDegraded", "True" if degraded else "False"),
        Condition("Degraded", "True" if degraded else "False"),
    )
    return PoolState(
        name=p.name,
        roles=p.roles,
        paused=p.paused,
        target_config=p.target,
        current_config=current,
        target_image=c.image_of(p.target),
        current_image=c.image_of(current),
        machine_count=len(nodes),
        updated_count=len(updated),
        ready_count=len([n for n in nodes if n.ready and n.state != "Degraded"]),
        unavailable_count=len([n for n in nodes if not n.ready or n.desired != n.current]),
        degraded_count=len(degraded),
        conditions=conditions,
    )


def _node_state(n: SimNode) -> NodeState:
    phase = {0: "", 1: "drained", 2: "rebooting"}[n.step] if n.desired != n.current else ""
    return NodeState(n.name, n.pool, n.current, n.desired, n.state, n.reason, n.ready, n.step > 0, phase)


def settle(c: SimCluster) -> SimCluster:
    """Run the MCO until nothing moves (a cluster at rest after hand-made changes)."""
    for _ in range(50):
        c = tick(c)
    return c


# ---- desired state -----------------------------------------------------------------------------------
def desired(*bindings: Binding, policy: Policy | None = None, commit: str = "c1") -> DesiredState:
    return DesiredState("https://git.example.com/layering.git", commit, bindings, policy or Policy())


def binding(pool: str, image: str, stage: int = 0, window: str | None = None, name: str = "") -> Binding:
    return Binding(name or f"{pool}-image", pool, image, stage, window)


def policy(**kw: object) -> Policy:
    nightly = Window("nightly", "0 22 * * *", 21600)
    base: dict[str, object] = {"bake_seconds": 600, "stall_seconds": 1800, "windows": (nightly,)}
    base.update(kw)
    return Policy(**base)  # type: ignore[arg-type]
