"""Stages on the simulated cluster: a bad canary image halts before worker; a fix rolls both in order."""

from __future__ import annotations

import json

import pytest
from rsim_world import RELEASES, RolloutWorld, policy_yaml
from testkit import BAD_IMAGE, HOTFIX1, HOTFIX2

from reconciler.rollout import Phase

BAKE = 600.0


def bad_canary_commit(world: RolloutWorld) -> None:
    world.repo.policy(policy_yaml(bake="10m"))
    world.repo.bind("canary", BAD_IMAGE, stage=0)
    world.repo.bind("worker", HOTFIX1, stage=1)
    world.repo.commit("canary and worker")


def test_unknown_image_in_canary_halts_before_worker(world: RolloutWorld) -> None:
    bad_canary_commit(world)
    result = world.drive(lambda r: r.decision.halted, limit=3600)
    canary = world.progress(result, "canary")
    node = world.sim.nodes_of("canary")[0]
    assert canary.phase is Phase.DEGRADED and canary.blocking_node == node
    assert "Failed to update OS" in canary.reason and BAD_IMAGE in canary.reason
    assert result.decision.summary.startswith("halted: canary is degraded")
    for _ in range(6):  # later passes keep worker waiting
        result = world.step(advance=600)
    worker = world.progress(result, "worker")
    assert worker.phase is Phase.WAITING and "halted: canary (stage 0) is degraded" in worker.reason
    assert world.our_image("worker") is None and world.wrote("99-layering-worker") == []
    assert [w for _, w in world.writes] == [f"created MachineConfig/99-layering-canary ({BAD_IMAGE})"]

    phases = status_phases(world)
    assert phases["canary"].startswith(f"degraded: node {node}: Failed to update OS to {BAD_IMAGE}")
    assert phases["worker"].startswith("waiting: halted: canary (stage 0) is degraded")
    table = world.cli("status", "--repo", str(world.repo.path))
    assert table.returncode == 0, table.stderr
    canary_row = next(line for line in table.stdout.splitlines() if line.strip().startswith("canary"))
    assert canary_row.split()[-1] == "degraded"  # the Pools table: the phase; the queue below says why
    queue_row = next(line for line in table.stdout.splitlines() if line.split()[:2] == ["0", "canary"])
    assert f"degraded: node {node}: Failed to update OS" in queue_row


@pytest.mark.parametrize("world", RELEASES, indirect=True)
def test_fix_commit_rolls_canary_bakes_then_worker(world: RolloutWorld) -> None:
    bad_canary_commit(world)
    world.drive(lambda r: r.decision.halted, limit=3600)
    world.repo.bind("canary", HOTFIX2, stage=0)
    world.repo.commit("fix canary image")
    # the MCO never retargets the cordoned degraded node: the admin resets it by hand, as on a cluster
    world.step(advance=60)
    world.sim.reset_node(world.sim.nodes_of("canary")[0])

    result = world.drive(lambda r: world.progress(r, "canary").phase is Phase.UPDATED, limit=3 * 3600)
    bake_started = world.now
    assert world.booted("canary") == {HOTFIX2} and world.our_image("worker") is None
    while world.progress(result, "canary").phase is not Phase.DONE:
        assert world.our_image("worker") is None, "worker written before canary baked"
        result = world.step(advance=60)
    assert world.now - bake_started >= BAKE - 60
    worker_written = world.wrote("99-layering-worker")
    assert len(worker_written) == 1 and worker_written[0][0] >= bake_started + BAKE

    result = world.drive(lambda r: r.decision.done, limit=6 * 3600, advance=60)
    assert world.booted("canary") == {HOTFIX2} and world.booted("worker") == {HOTFIX1}
    assert world.our_image("canary") == HOTFIX2 and world.our_image("worker") == HOTFIX1
    assert [w for _, w in world.writes] == [
        f"created MachineConfig/99-layering-canary ({BAD_IMAGE})",
        f"updated MachineConfig/99-layering-canary ({BAD_IMAGE} → {HOTFIX2})",
        f"created MachineConfig/99-layering-worker ({HOTFIX1})",
    ]
    for _ in range(3):  # done stays done: no further writes
        result = world.step(advance=600)
    assert result.decision.done and len(world.writes) == 3
    assert status_phases(world) == {"canary": "done: rolled out and baked", "worker": "done: rolled out and baked"}


def status_phases(world: RolloutWorld) -> dict[str, str]:
    """`reconciler status --repo … -o json` as a subprocess: the phase in words of each bound pool."""
    shown = world.cli("status", "--repo", str(world.repo.path), "-o", "json")
    assert shown.returncode == 0, shown.stderr
    return {p["name"]: p["phase"] for p in json.loads(shown.stdout)["pools"] if p["phase"] is not None}
