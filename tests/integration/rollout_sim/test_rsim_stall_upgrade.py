"""A PDB-blocked drain reported as stalled, and bindings gone stale after a cluster upgrade."""

from __future__ import annotations

import pytest
from rsim_world import RELEASES, RolloutWorld, policy_yaml
from testkit import HOTFIX1, HOTFIX_4169

from reconciler.rollout import Phase


@pytest.mark.parametrize("world", RELEASES, indirect=True)
def test_pdb_blocked_drain_is_reported_stalled_with_the_blocking_reason(world: RolloutWorld) -> None:
    world.repo.policy(policy_yaml(bake="5m", stall="15m"))
    world.repo.bind("canary", HOTFIX1, stage=0)
    world.repo.bind("worker", HOTFIX1, stage=1)
    world.repo.commit("canary then worker")
    node = world.sim.nodes_of("canary")[0]
    world.sim.block_drain(node)
    result = world.drive(lambda r: world.progress(r, "canary").phase is Phase.ROLLING, limit=600, advance=30)
    rolling_since = world.now
    result = world.drive(lambda r: world.progress(r, "canary").phase is Phase.STALLED, limit=3600, advance=60)
    assert world.now - rolling_since >= 15 * 60 - 60
    canary = world.progress(result, "canary")
    # with MCNs (4.19) the drain controller puts the eviction error on the Drained condition; without
    # them the reconciler names the pod a PodDisruptionBudget allowing no disruption guards
    assert canary.blocking_node == node
    assert "Cannot evict pod as it would violate the pod's disruption budget" in canary.blocking_reason
    assert canary.reason.startswith("no progress for 1") and f"node {node}: " in canary.reason
    assert not result.decision.halted and world.our_image("worker") is None
    assert world.progress(result, "worker").phase is Phase.WAITING

    world.sim.block_drain(node, blocked=False)  # the budget is lifted: the rollout moves on
    world.drive(lambda r: r.decision.done, limit=4 * 3600, advance=60)
    assert world.booted("canary") == {HOTFIX1} == world.booted("worker")


def test_upgrade_reports_bindings_built_from_the_previous_base_as_stale(world: RolloutWorld) -> None:
    world.repo.policy(policy_yaml(bake="5m"))
    world.repo.bind("canary", HOTFIX1, stage=0)
    world.repo.commit("canary on a 4.16.3 hotfix")
    result = world.drive(lambda r: r.decision.done, limit=3 * 3600, advance=60)
    assert not world.progress(result, "canary").stale

    world.sim.upgrade("4.16.9")
    world.sim.advance(60)
    result = world.step(advance=0)
    canary = world.progress(result, "canary")
    assert canary.stale and "release 4.16.9" in canary.stale_reason
    assert "rebuild the image FROM the new base" in canary.stale_reason
    world.drive(lambda r: world.sim.pool_updated("worker"), limit=4 * 3600, advance=300)
    assert world.booted("canary") == {HOTFIX1}, "a layered pool does not follow the upgrade"
    assert world.booted("worker") == {world.sim.registry.release("4.16.9").base.ref}

    world.repo.bind("canary", HOTFIX_4169, stage=0)
    world.repo.commit("canary on the rebuilt hotfix")
    result = world.drive(lambda r: r.decision.done, limit=3 * 3600, advance=60)
    assert not world.progress(result, "canary").stale and world.booted("canary") == {HOTFIX_4169}
