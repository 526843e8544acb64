"""The whole life of a binding, in virtual time: commit → roll → bump → roll → revert → roll back →
remove → the pools return to the rendered configs they started on."""

from __future__ import annotations

from typing import Any

import pytest
from recon_world import World, binding_yaml, policy_yaml
from testkit import HOTFIX1, HOTFIX2

from mcosim.resources import EVENTS
from reconciler.model import ANNOTATION_BINDING, ANNOTATION_SOURCE, ANNOTATION_STAGE, MANAGED_BY_LABEL, ROLE_LABEL

MC = "99-layering-worker"
POOLS = ("worker", "canary")  # canary inherits the worker role


def our_mc(world: World) -> dict[str, Any]:
    mc = world.mc(MC)
    assert mc is not None, "our MachineConfig is missing"
    return mc


def assert_rolled_to(world: World, image: str) -> None:
    for pool in POOLS:
        assert world.settled_on(pool, image), f"{pool} is not settled on {image}"


@pytest.mark.parametrize("sim", ["4.16.3", "4.19.0"], indirect=True)
def test_commit_bump_revert_and_remove_follow_git(world: World) -> None:
    original = {pool: world.target_config(pool) for pool in POOLS}
    world.repo.write("layering.yaml", policy_yaml(bake="1m", allow_empty=True))
    world.repo.commit("Policy")
    world.repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", HOTFIX1, stage=1))
    first = world.repo.commit("Bind worker to hotfix1")

    world.converge()
    mc = our_mc(world)
    meta = mc["metadata"]
    assert meta["labels"] == {ROLE_LABEL: "worker", MANAGED_BY_LABEL: "layering-reconciler"}
    assert meta["annotations"][ANNOTATION_BINDING] == "worker-hotfix"
    assert meta["annotations"][ANNOTATION_SOURCE] == f"{world.repo.path}@{first}:bindings/worker.yaml"
    assert meta["annotations"][ANNOTATION_STAGE] == "1"
    assert mc["spec"] == {"osImageURL": HOTFIX1}
    assert_rolled_to(world, HOTFIX1)
    on_hotfix1 = {pool: world.target_config(pool) for pool in POOLS}
    assert all(on_hotfix1[p] != original[p] for p in POOLS)

    world.repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", HOTFIX2, stage=1))
    bump = world.repo.commit("Bump worker to hotfix2")
    world.converge()
    assert our_mc(world)["spec"] == {"osImageURL": HOTFIX2}
    assert our_mc(world)["metadata"]["annotations"][ANNOTATION_SOURCE].endswith(f"@{bump}:bindings/worker.yaml")
    assert_rolled_to(world, HOTFIX2)

    revert = world.repo.revert_head()
    world.converge()
    assert our_mc(world)["spec"] == {"osImageURL": HOTFIX1}
    assert our_mc(world)["metadata"]["annotations"][ANNOTATION_SOURCE].endswith(f"@{revert}:bindings/worker.yaml")
    assert_rolled_to(world, HOTFIX1)
    assert {pool: world.target_config(pool) for pool in POOLS} == on_hotfix1

    world.repo.remove("bindings/worker.yaml")
    world.repo.commit("Remove the worker binding")
    world.converge()
    assert world.mc(MC) is None
    assert_rolled_to(world, world.sim.registry.release(world.sim.config.release).base.ref)
    assert {pool: world.target_config(pool) for pool in POOLS} == original

    assert [line.split(" (")[0] for line in world.written()] == [
        f"created MachineConfig/{MC}", f"updated MachineConfig/{MC}", f"updated MachineConfig/{MC}",
        f"deleted MachineConfig/{MC}",
    ]


def test_every_write_leaves_an_event_on_its_object(world: World) -> None:
    world.repo.write("layering.yaml", policy_yaml(bake="1m", allow_empty=True))
    world.repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", HOTFIX1, stage=1))
    commit = world.repo.commit("Bind worker to hotfix1")
    world.converge()
    events, _ = world.sim.store.list(EVENTS, fields=f"involvedObject.name={MC},reason=LayeringApplied")
    assert len(events) == 1
    assert events[0]["involvedObject"]["kind"] == "MachineConfig"
    assert f"created MachineConfig/{MC}" in events[0]["message"] and commit[:12] in events[0]["message"]
