"""Hostile cluster states: a stray MachineConfig of ours, an owned MachineConfig without an image, a
shadowing MachineConfig added after a rollout. None may stall the rollout or read as done."""

from __future__ import annotations

from typing import Any

from rsim_world import RolloutWorld, policy_yaml
from testkit import HOTFIX1, HOTFIX2

from mcosim.resources import MACHINE_CONFIGS, POOLS
from reconciler.model import ANNOTATION_STAGE, MANAGED_BY_LABEL, MANAGED_BY_VALUE, ROLE_LABEL
from reconciler.rollout import Phase


def put_mc(world: RolloutWorld, name: str, role: str, spec: dict[str, Any], owned: bool, stage: int = 0) -> None:
    labels = {ROLE_LABEL: role, **({MANAGED_BY_LABEL: MANAGED_BY_VALUE} if owned else {})}
    metadata = {"name": name, "labels": labels, "annotations": {ANNOTATION_STAGE: str(stage)}}
    body = {"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig",
            "metadata": metadata, "spec": spec}  # fmt: skip
    world.sim.store.create(MACHINE_CONFIGS, body)


def test_a_stray_mc_of_ours_for_a_missing_pool_never_stalls_later_stages(world: RolloutWorld) -> None:
    put_mc(world, "99-layering-infra", "infra", {"osImageURL": HOTFIX2}, owned=True, stage=0)
    world.repo.policy(policy_yaml(bake="1m"))
    world.repo.bind("worker", HOTFIX1, stage=1)
    world.repo.commit("worker in stage 1")
    first = world.step(advance=60)
    assert any(str(p).startswith("MachineConfig/99-layering-infra: ") for p in first.plan.problems), first.plan.problems
    result = world.drive(lambda r: r.decision.done, limit=4 * 3600, advance=60)
    assert world.booted("worker") == {HOTFIX1}
    assert world.wrote("deleted MachineConfig/99-layering-infra"), world.writes
    assert result.decision.pool("infra") is None, "a finished orphan removal leaves nothing behind"


def test_removing_an_owned_mc_without_an_image_completes(world: RolloutWorld) -> None:
    put_mc(world, "99-layering-worker", "worker", {"kernelArguments": ["nosmt"]}, owned=True)
    world.sim.advance(600)
    world.repo.policy(policy_yaml(bake="1m"))
    world.repo.commit("no bindings")
    first = world.step(advance=0)
    (delete,) = [a for a in first.plan.actions if a.mc_name == "99-layering-worker"]
    assert delete.impact.nodes_to_reboot == len(world.sim.nodes_of("worker")) + len(world.sim.nodes_of("canary"))
    world.drive(lambda r: r.decision.done, limit=4 * 3600, advance=60)
    assert world.our_image("worker") is None
    for name in ("worker", "canary"):  # done means every node runs a render without the removed MC
        status = pool_status(world, name)
        sources = [s["name"] for s in status["configuration"].get("source", [])]
        assert "99-layering-worker" not in sources and status["updatedMachineCount"] == status["machineCount"]


def pool_status(world: RolloutWorld, name: str) -> dict[str, Any]:
    with world.sim.store.lock:
        return dict(world.sim.store.get(POOLS, name)["status"])


def test_removing_an_owned_mc_that_changes_nothing_completes(world: RolloutWorld) -> None:
    put_mc(world, "99-layering-worker", "worker", {}, owned=True)
    world.sim.advance(600)
    world.repo.policy(policy_yaml(bake="1m"))
    world.repo.commit("no bindings")
    first = world.step(advance=0)
    (delete,) = [a for a in first.plan.actions if a.mc_name == "99-layering-worker"]
    assert delete.impact.nodes_to_reboot == 0
    world.drive(lambda r: r.decision.done, limit=3600, advance=60)
    assert world.our_image("worker") is None


def test_a_pool_shadowed_after_its_rollout_is_not_done(world: RolloutWorld) -> None:
    world.repo.policy(policy_yaml(bake="1m"))
    world.repo.bind("worker", HOTFIX1)
    world.repo.commit("worker")
    world.drive(lambda r: r.decision.done, limit=4 * 3600, advance=60)
    put_mc(world, "99-zz-worker-image", "worker", {"osImageURL": HOTFIX2}, owned=False)
    world.sim.advance(60)
    result = world.reconciler.decide()  # the plan is blocked (shadowed): a pass would refuse to write
    assert result.plan.blocked
    worker = world.progress(result, "worker")
    assert worker.phase is Phase.SHADOWED, (worker.phase, worker.reason)
    assert "99-zz-worker-image" in worker.reason and not result.decision.done
