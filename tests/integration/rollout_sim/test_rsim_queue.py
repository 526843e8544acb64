"""`plan` and `status` show the rollout order and why each pool waits, as a user runs them."""

from __future__ import annotations

import json

from rsim_world import RolloutWorld, policy_yaml
from testkit import HOTFIX1


def test_plan_shows_the_queue_stages_and_the_next_window(world: RolloutWorld) -> None:
    # a yearly window, closed on any day but New Year's: the CLI judges windows by wall-clock time
    world.repo.policy(policy_yaml(bake="5m", windows=(("newyear", "0 3 1 1 *", "1h"),)))
    world.repo.bind("canary", HOTFIX1, stage=0)
    world.repo.bind("worker", HOTFIX1, stage=1, window="newyear")
    world.repo.commit("canary, then worker in the new-year window")

    shown = world.cli("plan", "--repo", ".", "-o", "json")
    assert shown.returncode == 2, shown.stderr
    rollout = {row["pool"]: row for row in json.loads(shown.stdout)["rollout"]}
    assert [rollout["canary"]["stage"], rollout["worker"]["stage"]] == [0, 1]
    assert rollout["canary"]["phase"] == "waiting" and rollout["worker"]["phase"] == "waiting"
    assert "stage 0" in rollout["worker"]["reason"]
    assert rollout["worker"]["window"] == "newyear"
    assert rollout["worker"]["windowOpensAt"].endswith("-01-01T03:00:00Z")

    table = world.cli("plan", "--repo", ".")
    assert "Rollout order" in table.stdout and "newyear" not in table.stderr
    assert world.our_image("canary") is None  # plan is read-only

    status = world.cli("status", "--repo", ".", "-o", "json")
    assert status.returncode == 0, status.stderr
    assert {row["pool"] for row in json.loads(status.stdout)["rollout"]} == {"canary", "worker"}


def test_plan_and_status_word_the_phase_as_what_the_next_pass_would_do(world: RolloutWorld) -> None:
    world.repo.policy(policy_yaml(bake="5m"))
    world.repo.bind("canary", HOTFIX1, stage=0)
    world.repo.bind("worker", HOTFIX1, stage=1)
    world.repo.commit("canary, then worker")
    next_write = "next: write MachineConfig/99-layering-canary"

    planned = {row["pool"]: row for row in json.loads(world.cli("plan", "--repo", ".", "-o", "json").stdout)["rollout"]}
    assert planned["canary"]["phase"] == "waiting" and planned["canary"]["reason"] == next_write
    shown = world.cli("status", "--repo", ".").stdout  # the rollout order, then its summary line
    assert next_write in shown and "writing our MachineConfig" not in shown
    assert "in progress" not in shown and "pending: canary next: write" in shown
    status = json.loads(world.cli("status", "--repo", ".", "-o", "json").stdout)
    assert {p["name"]: p["phase"] for p in status["pools"]}["canary"] == next_write
    assert world.our_image("canary") is None  # nothing was written: the words say what would happen

    synced = world.cli("sync", "--repo", ".")
    assert synced.returncode == 0, synced.stderr
    assert f"created MachineConfig/99-layering-canary ({HOTFIX1})" in synced.stdout
    assert "in progress: canary written: MachineConfig written; waiting for the render" in synced.stdout
