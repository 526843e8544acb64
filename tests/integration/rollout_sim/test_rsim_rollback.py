"""onDegraded: rollback on the simulated cluster: restore, never retry the bad revision, a new image clears it."""

from __future__ import annotations

import pytest
from rsim_world import RELEASES, RolloutWorld, policy_yaml
from testkit import BAD_IMAGE, HOTFIX1, HOTFIX2

from reconciler.rollout import Phase


def rolled_back(world: RolloutWorld) -> None:
    """Until the reconciler rolled canary back; then the admin resets the node that failed, by hand.

    Restoring the MachineConfig does not heal that node on a real cluster either: it stays cordoned and
    Degraded, and the MCO's node controller never retargets an unavailable node (docs/simulator.md).
    """
    back = (Phase.ROLLING_BACK, Phase.ROLLED_BACK)
    world.drive(lambda r: world.progress(r, "canary").phase in back, limit=4 * 3600, advance=60)
    world.sim.advance(60)  # the restored MachineConfig renders: the pool targets the previous config again
    for node in world.sim.nodes_of("canary"):
        if world.sim.node_annotations(node)["state"] == "Degraded":
            world.sim.reset_node(node)
    world.drive(lambda r: world.progress(r, "canary").phase is Phase.ROLLED_BACK, limit=4 * 3600, advance=60)


def test_rollback_deletes_a_new_machine_config_and_never_retries_it(world: RolloutWorld) -> None:
    world.repo.policy(policy_yaml(bake="5m", on_degraded="rollback"))
    world.repo.bind("canary", BAD_IMAGE, stage=0)
    world.repo.bind("worker", HOTFIX1, stage=1)
    world.repo.commit("bad canary")
    base = world.booted("canary")
    rolled_back(world)
    assert world.our_image("canary") is None and world.booted("canary") == base
    for _ in range(10):  # the repository still asks for the bad revision: it is not applied again
        result = world.step(advance=600)
    canary = world.progress(result, "canary")
    assert canary.phase is Phase.ROLLED_BACK and "change the binding to try again" in canary.reason
    assert result.decision.halted and world.our_image("worker") is None
    assert [w.split(" (")[0] for _, w in world.writes] == [
        "created MachineConfig/99-layering-canary",
        "rolled back: deleted MachineConfig/99-layering-canary",
    ]
    assert world.sim.node_annotations(world.sim.nodes_of("canary")[0])["state"] == "Done"

    world.repo.bind("canary", HOTFIX2, stage=0)
    world.repo.commit("a rebuilt canary image")
    world.drive(lambda r: r.decision.done, limit=8 * 3600, advance=60)
    assert world.booted("canary") == {HOTFIX2} and world.booted("worker") == {HOTFIX1}
    assert [w.split(" (")[0] for _, w in world.writes][2:] == [
        "created MachineConfig/99-layering-canary",
        "created MachineConfig/99-layering-worker",
    ]


@pytest.mark.parametrize("world", RELEASES, indirect=True)
def test_rollback_restores_the_previous_image(world: RolloutWorld) -> None:
    world.repo.policy(policy_yaml(bake="5m", on_degraded="rollback"))
    world.repo.bind("canary", HOTFIX1, stage=0)
    world.repo.commit("canary on hotfix1")
    world.drive(lambda r: r.decision.done, limit=4 * 3600, advance=60)
    world.repo.bind("canary", BAD_IMAGE, stage=0)
    world.repo.commit("canary on a bad image")
    rolled_back(world)
    assert world.our_image("canary") == HOTFIX1
    result = world.drive(
        lambda r: world.progress(r, "canary").phase is Phase.ROLLED_BACK
        and world.sim.pool_updated("canary"),
        limit=4 * 3600,
        advance=60,
    )
    assert world.booted("canary") == {HOTFIX1}
    for _ in range(5):
        result = world.step(advance=600)
    assert world.progress(result, "canary").phase is Phase.ROLLED_BACK and world.our_image("canary") == HOTFIX1
    assert [w.split(" (")[0] for _, w in world.writes] == [
        "created MachineConfig/99-layering-canary",
        "updated MachineConfig/99-layering-canary",
        f"rolled back: restored MachineConfig/99-layering-canary to {HOTFIX1}",
    ]
