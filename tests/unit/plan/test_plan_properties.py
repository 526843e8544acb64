"""make_plan over seeded random clusters: total, deterministic, only ever touches what it owns."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from plan_builders import BASE, HOTFIX, HOTFIX2, INFRA_IMAGE, binding, desired, ours

from reconciler.model import ActionKind, DesiredState, LiveState, MachineConfigInfo, PoolState
from reconciler.plan import make_plan

POOLS = ("master", "worker", "infra", "canary")
IMAGES = (BASE, HOTFIX, HOTFIX2, INFRA_IMAGE, "")


def random_pool(rng: random.Random, name: str) -> PoolState:
    roles = rng.choice([(), (name,), ("worker", name), ("worker",)])
    return PoolState(name, roles, paused=rng.random() < 0.2, machine_count=rng.randint(0, 4))


def random_mc(rng: random.Random, index: int) -> MachineConfigInfo:
    role = rng.choice([*POOLS, None, "ghost"])
    if rng.random() < 0.4 and role:
        mc = ours(binding(role, rng.choice(IMAGES)), rv=str(index))
        return replace(mc, name=rng.choice([mc.name, f"{mc.name}-{index}"]), role=rng.choice([role, None]))
    return MachineConfigInfo(
        name=rng.choice([f"{rng.randint(0, 99):02d}-{role}-{index}", f"99-layering-{role}"]),
        role=role,
        os_image_url=rng.choice(IMAGES),
        extensions=rng.choice([(), ("usbguard",)]),
        kernel_type=rng.choice(["", "realtime", "bogus"]),
    )


def random_world(seed: int) -> tuple[DesiredState, LiveState]:
    rng = random.Random(seed)
    pools = tuple(random_pool(rng, n) for n in rng.sample(POOLS, rng.randint(0, len(POOLS))))
    mcs = {mc.name: mc for mc in (random_mc(rng, i) for i in range(rng.randint(0, 8)))}
    bound = rng.sample([*POOLS, "ghost"], rng.randint(0, 3))
    bindings = [binding(p, rng.choice(IMAGES[:4]), stage=rng.randint(0, 2)) for p in bound]
    state = desired(*bindings, allow_empty=rng.random() < 0.5)
    return state, LiveState(BASE, "4.16.3", tuple(mcs.values()), pools)


def shuffled(state: DesiredState, live: LiveState, seed: int) -> tuple[DesiredState, LiveState]:
    rng = random.Random(seed)
    mcs, pools = list(live.machine_configs), list(live.pools)
    rng.shuffle(mcs)
    rng.shuffle(pools)
    return state, replace(live, machine_configs=tuple(mcs), pools=tuple(pools))


@pytest.mark.parametrize("seed", range(300))
def test_plan_is_total_deterministic_and_touches_only_managed_mcs(seed: int) -> None:
    state, live = random_world(seed)
    plan = make_plan(state, live)
    assert make_plan(*shuffled(state, live, seed)) == plan
    assert [a.pool for a in plan.actions] == sorted(a.pool for a in plan.actions)
    managed = {mc.name for mc in live.machine_configs if mc.managed}
    for action in plan.actions:
        if action.kind in (ActionKind.UPDATE, ActionKind.DELETE):
            assert action.mc_name in managed
    assert sum(a.impact.nodes_to_reboot for a in plan.actions) <= sum(p.machine_count for p in live.pools)
