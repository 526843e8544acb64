"""What a pass must never do: write from an invalid commit, treat an unreadable repository as "no
bindings", or touch a MachineConfig it does not own. And what it must always do: undo hand edits."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from recon_world import World, binding_yaml, policy_yaml
from testkit import HOTFIX1, HOTFIX2, git

from mcosim.resources import MACHINE_CONFIGS
from reconciler.errors import Blocked, InvalidInput, SourceError
from reconciler.model import ROLE_LABEL, ActionKind, Severity

MC = "99-layering-worker"
TAGGED = "quay.io/my-registry/rhcos-hotfix:4.16-hotfix1"


def bind_worker(world: World, image: str = HOTFIX1, message: str = "Bind worker") -> str:
    world.repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", image))
    return world.repo.commit(message)


def start_bound(world: World) -> dict[str, Any]:
    """A policy commit and a worker binding, rolled out; returns our MachineConfig."""
    world.repo.write("layering.yaml", policy_yaml(bake="0s", allow_empty=True))
    bind_worker(world)
    world.converge()
    mc = world.mc(MC)
    assert mc is not None
    return mc


def unowned_mc(name: str, role: str, image: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": {ROLE_LABEL: role}}, "spec": {"osImageURL": image}}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---- invalid commits write nothing and delete nothing ----------------------------------------------
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (binding_yaml("worker-hotfix", "worker", TAGGED), "bindings/worker.yaml:7:15: "),
        ("kind: PoolImageBinding\nspec: [unclosed\n", "bindings/worker.yaml:3:1: "),
    ],
    ids=["tag", "malformed-yaml"],
)
def test_an_invalid_commit_leaves_the_cluster_alone(world: World, content: str, expected: str) -> None:
    before = start_bound(world)
    world.repo.write("bindings/worker.yaml", content)
    world.repo.commit("Broken")
    with pytest.raises(InvalidInput) as raised:
        world.reconciler().reconcile()
    assert any(p.startswith(expected) for p in raised.value.problems), raised.value.problems
    assert world.mc(MC) == before


def test_a_tag_is_refused_with_how_to_pin_it(world: World) -> None:
    bind_worker(world, TAGGED)
    with pytest.raises(InvalidInput) as raised:
        world.reconciler().reconcile()
    message = "\n".join(raised.value.problems)
    assert "bindings/worker.yaml:" in message and "sha256" in message and "skopeo" in message
    assert MC not in world.mc_names()


def test_an_unknown_pool_blocks_every_write(world: World) -> None:
    world.repo.write("bindings/gpu.yaml", binding_yaml("gpu-hotfix", "gpu", HOTFIX1))
    bind_worker(world)
    plan = world.reconciler().read()[2]
    assert plan.blocked
    assert any("MachineConfigPool gpu does not exist" in p.message and p.subject.startswith("bindings/gpu.yaml:")
               for p in plan.problems if p.severity is Severity.BLOCKING)
    with pytest.raises(Blocked, match="gpu does not exist"):
        world.reconciler().reconcile()
    assert not {name for name in world.mc_names() if name.startswith("99-layering-")}


def test_removing_every_binding_needs_allow_empty(world: World) -> None:
    before = start_bound(world)
    world.repo.write("layering.yaml", policy_yaml(allow_empty=False))
    world.repo.remove("bindings/worker.yaml")
    world.repo.commit("Remove every binding")
    with pytest.raises(Blocked, match="allowEmpty: true"):
        world.reconciler().reconcile()
    assert world.mc(MC) == before


# ---- an unreadable repository is never "no bindings" -------------------------------------------------
def test_a_vanished_remote_fails_the_pass_and_deletes_nothing(world: World, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    world.repo.write("layering.yaml", policy_yaml(bake="0s", allow_empty=True))
    bind_worker(world)
    git(world.repo.path, "push", "--quiet", str(remote), "main")
    url = remote.as_uri()
    world.converge(source=url)
    before = world.mc(MC)

    remote.rename(tmp_path / "moved.git")
    with pytest.raises(SourceError) as raised:
        world.reconciler(url).reconcile()
    assert str(raised.value).startswith(url)
    assert world.mc(MC) == before


def test_an_unreachable_https_remote_fails_the_pass_and_deletes_nothing(world: World) -> None:
    before = start_bound(world)
    url = f"https://127.0.0.1:{closed_port()}/platform/bindings.git"
    with pytest.raises(SourceError) as raised:
        world.reconciler(url).reconcile()
    assert str(raised.value).startswith(url)
    assert world.mc(MC) == before


# ---- drift is shown and undone ---------------------------------------------------------------------------
def test_a_hand_edited_mc_is_reported_and_restored(world: World) -> None:
    start_bound(world)

    def edit(mc: dict[str, Any]) -> None:
        mc["spec"]["osImageURL"] = HOTFIX2
        mc["spec"]["kernelArguments"] = ["nosmt"]

    world.sim.store.modify(MACHINE_CONFIGS, MC, edit)
    plan = world.reconciler().read()[2]
    (action,) = plan.actions
    assert action.kind is ActionKind.UPDATE
    drift = " | ".join(str(d) for d in action.drift)
    assert "spec.osImageURL" in drift and "kernelArguments" in drift, drift
    world.converge()
    restored = world.mc(MC)
    assert restored is not None and restored["spec"] == {"osImageURL": HOTFIX1}
    assert world.settled_on("worker", HOTFIX1)


def test_a_hand_deleted_mc_is_recreated(world: World) -> None:
    start_bound(world)
    world.sim.store.delete(MACHINE_CONFIGS, MC)
    (action,) = world.reconciler().read()[2].actions
    assert action.kind is ActionKind.CREATE and "deleted outside git" in [str(d) for d in action.drift]
    world.converge()
    recreated = world.mc(MC)
    assert recreated is not None and recreated["spec"] == {"osImageURL": HOTFIX1}
    assert world.settled_on("worker", HOTFIX1)


# ---- MachineConfigs we do not own ---------------------------------------------------------------------
def test_an_unowned_mc_shadowing_ours_blocks_and_is_never_touched(world: World) -> None:
    other = world.sim.store.create(MACHINE_CONFIGS, unowned_mc("99-zz-other", "worker", HOTFIX2))
    bind_worker(world)
    plan = world.reconciler().read()[2]
    assert plan.blocked
    assert any("99-zz-other" in p.message and "sorts after" in p.message
               for p in plan.problems if p.severity is Severity.BLOCKING)
    with pytest.raises(Blocked):
        world.reconciler().reconcile()
    assert world.mc("99-zz-other") == other
    assert MC not in world.mc_names()


def test_an_unowned_mc_shadowing_ours_survives_the_removal_of_every_binding(world: World) -> None:
    start_bound(world)
    other = world.sim.store.create(MACHINE_CONFIGS, unowned_mc("99-zz-other", "worker", HOTFIX2))
    world.repo.remove("bindings/worker.yaml")
    world.repo.commit("Remove the worker binding")
    world.reconciler().reconcile()
    assert MC not in world.mc_names()
    assert world.mc("99-zz-other") == other


def test_an_unowned_mc_with_our_name_is_reported_and_untouched(world: World) -> None:
    theirs = world.sim.store.create(MACHINE_CONFIGS, unowned_mc(MC, "worker", HOTFIX2))
    bind_worker(world)
    plan = world.reconciler().read()[2]
    assert any("already exists without the label" in p.message
               for p in plan.problems if p.severity is Severity.BLOCKING)
    with pytest.raises(Blocked):
        world.reconciler().reconcile()
    assert world.mc(MC) == theirs


def test_an_unowned_mc_with_our_name_is_not_deleted_when_no_binding_wants_the_pool(world: World) -> None:
    theirs = world.sim.store.create(MACHINE_CONFIGS, unowned_mc(MC, "worker", HOTFIX2))
    world.repo.write("layering.yaml", policy_yaml(bake="0s", allow_empty=True))
    world.repo.write("bindings/canary.yaml", binding_yaml("canary-hotfix", "canary", HOTFIX1))
    world.repo.commit("Bind canary only")
    plan = world.reconciler().read()[2]
    assert [a.mc_name for a in plan.actions] == ["99-layering-canary"]
    world.reconciler().reconcile()
    assert world.mc(MC) == theirs
    assert world.mc("99-layering-canary") is not None
