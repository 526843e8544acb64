"""Resume: the real Reconciler killed before or after any write of a pass, then restarted, makes the same
writes as an uninterrupted run; and a pass decides the same from the same inputs.

Each run is a fresh simulated cluster in virtual time. The kill is injected at the cluster port
(testkit.CrashingCluster) at the n-th write, memory saves included; the restart is a new connection with
nothing kept but what the cluster holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rsim_world import RolloutWorld, WorldOptions, open_world, policy_yaml
from testkit import BAD_IMAGE, HOTFIX1, HOTFIX2, Crash, CrashingCluster, Moment

from reconciler.controller.reconcile import PassResult
from reconciler.rollout import Memory, Phase

SMALL = WorldOptions(pools={"canary": 1}, workers=1)
STEP = 180.0
SETUP_STEP = 600.0
LIMIT = 6 * 3600.0
MEMORY = "save memory"  # what CrashingCluster logs for a memory save
Until = Callable[[RolloutWorld, PassResult], bool]


def done(world: RolloutWorld, result: PassResult) -> bool:
    return result.decision.done


def canary_rolled_back(world: RolloutWorld, result: PassResult) -> bool:
    """Rolled back and the pool back on its previous config. The MCO never retargets the cordoned,
    degraded node, so once the rollback is written the admin resets it by hand, as on a cluster."""
    phase = world.progress(result, "canary").phase
    if phase is Phase.ROLLING_BACK:
        for node in world.sim.nodes_of("canary"):
            if world.sim.node_annotations(node)["state"] == "Degraded":
                world.sim.reset_node(node)
    return phase is Phase.ROLLED_BACK and world.sim.pool_updated("canary")


@dataclass(frozen=True)
class Scenario:
    setup: Callable[[RolloutWorld], None]  # commits (and converges) before the passes under test
    change: Callable[[RolloutWorld], None]  # the commit whose rollout is killed and resumed
    until: Until
    expected: tuple[str, ...]  # the MachineConfig writes the rollout makes


def two_stage_commit(world: RolloutWorld, on_degraded: str = "halt") -> None:
    world.repo.policy(policy_yaml(bake="2m", on_degraded=on_degraded))
    world.repo.bind("canary", HOTFIX1, stage=0)
    world.repo.bind("worker", HOTFIX1, stage=1)
    world.repo.commit("canary, then worker")


def nothing(world: RolloutWorld) -> None:
    return None


def rolled_out(world: RolloutWorld) -> None:
    two_stage_commit(world)
    converge(world, done, step=SETUP_STEP)


def rolled_out_with_rollback(world: RolloutWorld) -> None:
    two_stage_commit(world, on_degraded="rollback")
    converge(world, done, step=SETUP_STEP)


def remove_both(world: RolloutWorld) -> None:
    world.repo.unbind("canary")
    world.repo.unbind("worker")
    world.repo.commit("remove both bindings")


def bad_canary(world: RolloutWorld) -> None:
    world.repo.bind("canary", BAD_IMAGE, stage=0)
    world.repo.bind("worker", HOTFIX2, stage=1)
    world.repo.commit("a bad canary image")


CANARY, WORKER = "99-layering-canary", "99-layering-worker"
SCENARIOS = {
    "two-stage": Scenario(
        nothing, two_stage_commit, done, (f"create {CANARY} {HOTFIX1}", f"create {WORKER} {HOTFIX1}")
    ),
    "removal": Scenario(rolled_out, remove_both, done, (f"delete {CANARY}", f"delete {WORKER}")),
    "rollback": Scenario(
        rolled_out_with_rollback, bad_canary, canary_rolled_back,
        (f"update {CANARY} {BAD_IMAGE}", f"update {CANARY} {HOTFIX1}"),
    ),
}  # fmt: skip


def converge(
    world: RolloutWorld, until: Until, port: CrashingCluster | None = None, step: float = STEP
) -> tuple[PassResult, int]:
    """Pass and advance until `until`; a killed pass restarts the reconciler. Returns the crashes seen."""
    crashes = 0
    if port is not None:
        world.use(port)
    deadline = world.now + LIMIT
    while True:
        try:
            result = world.step(advance=0)
        except Crash:
            crashes += 1
            restarted = CrashingCluster(world.restart(), writes=port.writes if port else [])
            world.use(restarted)
            world.sim.advance(step)
            continue
        if until(world, result):
            return result, crashes
        assert world.now < deadline, f"not converged: {result.decision.summary}"
        world.sim.advance(step)


def scenario_run(tmp: Path, scenario: Scenario, crash_at: int | None, moment: Moment) -> tuple[list[str], int]:
    """Every write the passes under test make (memory saves included) and how many kills happened."""
    worlds: Generator[RolloutWorld, None, None] = open_world(tmp, SMALL)
    world = next(worlds)
    try:
        scenario.setup(world)
        scenario.change(world)
        port = CrashingCluster(world.cluster, crash_at, moment)
        _, crashes = converge(world, scenario.until, port)
        return port.writes, crashes
    finally:
        worlds.close()


def mc_writes(writes: list[str]) -> tuple[str, ...]:
    return tuple(w for w in writes if w != MEMORY)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_killed_before_or_after_any_write_the_rollout_resumes_to_the_same_writes(name: str, tmp_path: Path) -> None:
    scenario = SCENARIOS[name]
    reference, crashes = scenario_run(tmp_path / "reference", scenario, None, Moment.BEFORE)
    assert crashes == 0 and mc_writes(reference) == scenario.expected
    assert len(reference) > len(scenario.expected)  # memory saves besides the MachineConfig writes
    for point in range(1, len(reference) + 1):  # every write, memory saves included
        for moment in Moment:
            writes, crashes = scenario_run(tmp_path / f"{point}-{moment}", scenario, point, moment)
            assert crashes == 1, f"{moment} write {point}: no kill happened"
            assert mc_writes(writes) == scenario.expected, f"killed {moment} write {point} ({reference[point - 1]})"


def test_same_inputs_give_the_same_decision_and_its_memory_is_a_fixed_point(tmp_path: Path) -> None:
    worlds = open_world(tmp_path, SMALL)
    world = next(worlds)
    try:
        two_stage_commit(world)
        for _ in range(60):
            first = world.reconciler.decide()
            assert world.reconciler.decide().decision == first.decision
            saved = Memory.from_dict(json.loads(json.dumps(first.decision.memory.to_dict())))
            assert saved == first.decision.memory
            world.cluster.save_memory(saved.to_dict())
            again = world.reconciler.decide().decision
            assert again.writes == first.decision.writes and again.memory == first.decision.memory
            result = world.step(advance=STEP)
            if result.decision.done:
                break
        assert result.decision.done
    finally:
        worlds.close()
