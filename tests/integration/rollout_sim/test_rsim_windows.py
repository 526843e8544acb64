"""Maintenance windows on the simulated cluster (virtual time starts 2026-01-01T00:00Z, a Thursday)."""

from __future__ import annotations

from datetime import UTC, datetime

from rsim_world import RolloutWorld, policy_yaml
from testkit import HOTFIX1, HOTFIX2

from mcosim.resources import POOLS
from reconciler.rollout import Phase

TWO_AM = datetime(2026, 1, 1, 2, tzinfo=UTC).timestamp()


def test_closed_window_waits_then_proceeds_when_it_opens(world: RolloutWorld) -> None:
    world.repo.policy(policy_yaml(bake="5m", windows=(("nightly", "0 2 * * *", "1h"),)))
    world.repo.bind("canary", HOTFIX1, stage=0, window="nightly")
    world.repo.commit("canary in the nightly window")
    result = world.step(advance=0)
    canary = world.progress(result, "canary")
    assert canary.phase is Phase.WAITING and canary.window_opens_at == TWO_AM
    assert canary.reason == "outside window nightly; opens 2026-01-01 02:00 UTC"

    world.drive(lambda r: world.our_image("canary") is not None, limit=3 * 3600, advance=300)
    (written_at, line), *_ = world.writes
    assert TWO_AM <= written_at < TWO_AM + 300 and "99-layering-canary" in line
    world.drive(lambda r: r.decision.done, limit=3600, advance=60)
    assert world.booted("canary") == {HOTFIX1}


def test_overrun_pause_pauses_at_close_and_unpauses_at_next_opening(world: RolloutWorld) -> None:
    windows = (("short", "0 */2 * * *", "5m"),)  # opens every two hours for five minutes
    world.repo.policy(policy_yaml(bake="5m", overrun="pause", windows=windows))
    world.repo.bind("worker", HOTFIX1, stage=0, window="short")
    world.repo.commit("worker (and canary, which inherits it) in a short window")
    result = world.drive(lambda r: world.pool_spec("worker").get("paused") is True, limit=3600, advance=60)
    worker = world.progress(result, "worker")
    assert worker.phase is Phase.PAUSED and "window short closed mid-rollout" in worker.reason
    assert world.cluster.load_memory()["pausedByUs"] == ["canary", "worker"]  # canary inherits worker
    assert world.pool_spec("canary").get("paused") is True
    assert world.booted("worker") != {HOTFIX1}, "three nodes cannot all roll within five minutes"
    paused_at = world.now
    booted = world.booted("worker")
    result = world.drive(lambda r: world.pool_spec("worker").get("paused") is False, limit=3 * 3600, advance=60)
    assert world.now >= paused_at + 3600 and world.booted("worker") == booted, "nodes moved while paused"
    assert datetime.fromtimestamp(world.now, tz=UTC).minute < 5 + 2
    world.drive(lambda r: r.decision.done, limit=12 * 3600, advance=60)
    assert world.booted("worker") == {HOTFIX1}
    lines = [w for _, w in world.writes]
    assert lines[0] == f"created MachineConfig/99-layering-worker ({HOTFIX1})"
    assert lines[1:5] == [
        "paused MachineConfigPool/canary",
        "paused MachineConfigPool/worker",
        "unpaused MachineConfigPool/canary",
        "unpaused MachineConfigPool/worker",
    ]
    assert len(lines) == 5 and world.booted("canary") == {HOTFIX1}
    assert world.cluster.load_memory()["pausedByUs"] == []


def test_a_pool_paused_by_someone_else_is_never_unpaused(world: RolloutWorld) -> None:
    windows = (("short", "0 */2 * * *", "5m"),)
    world.repo.policy(policy_yaml(bake="5m", overrun="pause", windows=windows))
    world.repo.bind("worker", HOTFIX2, stage=0, window="short")
    world.repo.commit("worker in a short window")
    world.step(advance=10)
    assert world.our_image("worker") == HOTFIX2
    with world.sim.store.lock:  # an administrator pauses the pool mid-rollout
        world.sim.store.modify(POOLS, "worker", lambda pool: pool["spec"].__setitem__("paused", True))
    for _ in range(40):  # through the window closing and the next one opening
        result = world.step(advance=300)
        assert world.pool_spec("worker").get("paused") is True
    worker = world.progress(result, "worker")
    assert worker.phase is Phase.PAUSED and worker.reason == "MachineConfigPool/worker is paused by someone else"
    assert HOTFIX2 not in world.booted("worker") or len(world.booted("worker")) == 2, "paused: at most one moved"
    assert not [w for _, w in world.writes if "MachineConfigPool/worker" in w]
    assert "worker" not in world.cluster.load_memory()["pausedByUs"]
