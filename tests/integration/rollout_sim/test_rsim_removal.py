"""Removing bindings sends pools back to the base image, in stage order, one MachineConfig at a time."""

from __future__ import annotations

import pytest
from rsim_world import RELEASES, RolloutWorld, policy_yaml
from testkit import HOTFIX1, HOTFIX2

from reconciler.rollout import Phase

BAKE = 300.0


@pytest.mark.parametrize("world", RELEASES, indirect=True)
def test_removals_go_back_to_base_in_stage_order(world: RolloutWorld) -> None:
    base = world.sim.registry.release(world.sim.config.release).base.ref
    world.repo.policy(policy_yaml(bake="5m"))
    world.repo.bind("canary", HOTFIX2, stage=0)
    world.repo.bind("worker", HOTFIX1, stage=1)
    world.repo.commit("canary then worker")
    world.drive(lambda r: r.decision.done, limit=8 * 3600, advance=60)
    assert world.booted("canary") == {HOTFIX2} and world.booted("worker") == {HOTFIX1}
    rolled_out = len(world.writes)

    world.repo.unbind("canary")
    world.repo.unbind("worker")
    world.repo.commit("back to the base image")
    result = world.step(advance=60)
    assert world.our_image("canary") is None and world.our_image("worker") == HOTFIX1
    assert world.progress(result, "worker").phase is Phase.WAITING
    # canary has no MachineConfig of its own now: it inherits worker's image until worker goes too
    result = world.drive(lambda r: world.progress(r, "canary").phase is Phase.UPDATED, limit=3 * 3600, advance=60)
    assert world.booted("canary") == {HOTFIX1} and world.our_image("worker") == HOTFIX1
    baked_from = world.now
    world.drive(lambda r: world.our_image("worker") is None, limit=3600, advance=60)
    assert world.now >= baked_from + BAKE - 60
    world.drive(lambda r: r.decision.done, limit=8 * 3600, advance=60)
    assert world.booted("canary") == {base} == world.booted("worker")
    assert [w for _, w in world.writes][rolled_out:] == [
        "deleted MachineConfig/99-layering-canary (no binding wants it)",
        "deleted MachineConfig/99-layering-worker (no binding wants it)",
    ]
    assert world.cluster.load_memory()["pools"] == {}, "finished removals leave no memory behind"
    for _ in range(3):
        assert world.step(advance=600).decision.done
    assert len(world.writes) == rolled_out + 2
