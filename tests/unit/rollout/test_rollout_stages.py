"""Stages, bake, degraded (halt and rollback), render race, stall and removals, on a tiny MCO model."""

from __future__ import annotations

from dataclasses import replace

from rollout_cluster import (
    BAD,
    BASE,
    GOOD,
    GOOD2,
    STEP,
    SimCluster,
    binding,
    desired,
    new_cluster,
    policy,
    settle,
)
from rollout_driver import Controller, progress

from reconciler.model import ActionKind
from reconciler.rollout import Decision, Memory, Phase, RestoreMachineConfig


def two_pools() -> SimCluster:
    return new_cluster({"canary": 1, "worker": 2})


def canary_then_worker(canary_image: str = GOOD, worker_image: str = GOOD, **kw: object) -> Controller:
    want = desired(
        binding("canary", canary_image, 0), binding("worker", worker_image, 1), policy=policy(**kw)
    )
    return Controller(two_pools(), lambda c: want)


def phases(d: Decision) -> dict[str, Phase]:
    return {p.pool: p.phase for p in d.pools}


def steps_until(ctl: Controller, pool: str, phase: Phase, limit: int = 60) -> Decision:
    for _ in range(limit):
        decision = ctl.step()
        if phases(decision)[pool] is phase:
            return decision
    raise AssertionError(f"{pool} never reached {phase.value}: {ctl.decisions[-1].summary}")


def test_worker_waits_until_canary_is_done_including_bake() -> None:
    ctl = canary_then_worker()
    first = ctl.step()
    assert [(type(w).__name__, w.pool) for w in first.writes] == [("Action", "canary")]
    baking = steps_until(ctl, "canary", Phase.UPDATED)
    worker = baking.pool("worker")
    assert worker is not None and worker.phase is Phase.WAITING
    assert "waiting for stage 0: canary is updated" in worker.reason
    assert progress(baking, "canary").bake_remaining == 600
    baked_at = ctl.now - STEP
    steps_until(ctl, "canary", Phase.DONE)
    assert ctl.now - STEP >= baked_at + 600
    assert ctl.mc_writes() == [f"create canary {GOOD}", f"create worker {GOOD}"]
    ctl.run_until_done()
    assert ctl.decisions[-1].summary == "done: 2 pool(s) rolled out and baked"


def test_render_race_updated_with_old_target_is_not_updated() -> None:
    ctl = canary_then_worker()
    ctl.step()  # writes canary's MC; the render has not caught up on the next read
    decision = ctl.decide()
    canary = decision.pool("canary")
    assert canary is not None and canary.phase is Phase.WRITTEN
    assert ctl.cluster.pool("canary").target == ctl.cluster.pool("canary").current  # Updated=True, old target
    assert bake_start(ctl, "canary") is None


def bake_start(ctl: Controller, pool: str) -> float | None:
    record = Memory.from_dict(ctl.memory).record(pool)
    return record.updated_since if record else None


def test_degraded_canary_halts_before_worker_is_written() -> None:
    ctl = canary_then_worker(canary_image=BAD)
    degraded = steps_until(ctl, "canary", Phase.DEGRADED)
    assert degraded.halted
    canary = degraded.pool("canary")
    assert canary is not None and canary.blocking_node == "canary-0"
    assert "failed to update OS to" in canary.blocking_reason and "rpm-ostree rebase" in canary.reason
    for _ in range(30):
        decision = ctl.step()
        assert decision.halted and not decision.writes
    assert "halted: canary (stage 0) is degraded" in progress(decision, "worker").reason
    assert ctl.mc_writes() == [f"create canary {BAD}"]
    assert decision.summary.startswith("halted: canary is degraded")


def test_fix_commit_supersedes_the_degraded_revision_and_proceeds() -> None:
    want = {"canary": BAD}
    ctl = Controller(
        two_pools(),
        lambda c: desired(binding("canary", want["canary"], 0), binding("worker", GOOD, 1), policy=policy()),
    )
    steps_until(ctl, "canary", Phase.DEGRADED)
    want["canary"] = GOOD2
    ctl.run_until_done()
    assert ctl.mc_writes() == [f"create canary {BAD}", f"update canary {GOOD2}", f"create worker {GOOD}"]


def test_rollback_restores_previous_content_and_does_not_retry_the_bad_revision() -> None:
    want = {"canary": GOOD}
    ctl = Controller(
        two_pools(),
        lambda c: desired(
            binding("canary", want["canary"], 0),
            binding("worker", GOOD, 1),
            policy=policy(on_degraded="rollback"),
        ),
    )
    ctl.run_until_done()
    want["canary"] = BAD
    rolling_back = steps_until(ctl, "canary", Phase.ROLLING_BACK)
    restore = [w for w in rolling_back.writes if isinstance(w, RestoreMachineConfig)]
    assert len(restore) == 1 and restore[0].content is not None and restore[0].content.os_image_url == GOOD
    assert [(f.pool, f.binding, f.image) for f in rolling_back.memory.failed] == [
        ("canary", "canary-image", BAD)
    ]
    steps_until(ctl, "canary", Phase.ROLLED_BACK)
    for _ in range(30):
        decision = ctl.step()
        assert not decision.writes and decision.halted
    assert ctl.cluster.pool("canary").current == ctl.cluster.pool("canary").target
    assert ctl.mc_writes()[-2:] == [f"update canary {BAD}", f"restore canary {GOOD}"]
    assert "change the binding to try again" in progress(decision, "canary").reason
    want["canary"] = GOOD2  # a different image for that binding clears the failure
    ctl.run_until_done()
    assert ctl.mc_writes()[-1] == f"update canary {GOOD2}"
    assert not ctl.decisions[-1].memory.failed


def test_rollback_of_a_newly_added_machine_config_deletes_it() -> None:
    ctl = canary_then_worker(canary_image=BAD, on_degraded="rollback")
    decision = steps_until(ctl, "canary", Phase.ROLLING_BACK)
    restore = [w for w in decision.writes if isinstance(w, RestoreMachineConfig)]
    assert restore == [
        RestoreMachineConfig(
            "canary", "99-layering-canary", None, restore[0].resource_version, restore[0].reason
        )
    ]
    steps_until(ctl, "canary", Phase.ROLLED_BACK)
    assert ctl.mc_writes() == [f"create canary {BAD}", "restore-delete canary"]
    assert ctl.cluster.pool("canary").target == ctl.cluster.pool("canary").current


def test_stalled_drain_reports_the_blocking_node_and_its_reason() -> None:
    ctl = canary_then_worker(stall_seconds=900)
    ctl.cluster = replace(ctl.cluster, blocked_drains=frozenset({"canary-0"}))
    rolling = steps_until(ctl, "canary", Phase.ROLLING)
    assert progress(rolling, "canary").blocking_node == "canary-0"
    stalled = steps_until(ctl, "canary", Phase.STALLED, limit=20)
    canary = stalled.pool("canary")
    assert canary is not None and canary.blocking_node == "canary-0"
    assert "disruption budget" in canary.blocking_reason and canary.reason.startswith(
        "no progress for 15m"
    )
    assert not stalled.halted and phases(stalled)["worker"] is Phase.WAITING


def test_removal_goes_back_to_base_in_stage_order_and_forgets_the_pool() -> None:
    bound = desired(binding("canary", GOOD2, 0), binding("worker", GOOD, 1), policy=policy(allow_empty=True))
    ctl = Controller(two_pools(), lambda c: bound)
    ctl.run_until_done()
    removed = desired(policy=policy(allow_empty=True), commit="c2")
    ctl.want = lambda c: removed
    first = ctl.step()
    assert [(w.pool, w.kind) for w in first.writes] == [("canary", ActionKind.DELETE)]  # type: ignore[union-attr]
    assert phases(first)["worker"] is Phase.WAITING
    assert phases(ctl.step())["canary"] is Phase.WRITTEN  # the render has not caught up yet
    steps_until(ctl, "canary", Phase.ROLLING)
    assert ctl.cluster.image_of(ctl.cluster.pool("canary").target) == GOOD  # falls back to worker's image
    baking = steps_until(ctl, "canary", Phase.UPDATED)
    assert phases(baking)["worker"] is Phase.WAITING
    worker_removal = steps_until(ctl, "worker", Phase.ROLLING)
    assert "canary" not in phases(worker_removal)  # a finished removal is forgotten
    assert progress(worker_removal, "worker").affected == ("worker", "canary")
    ctl.run_until_done()
    assert ctl.mc_writes()[-2:] == ["delete canary", "delete worker"]
    assert ctl.cluster.image_of(ctl.cluster.pool("worker").current) == BASE
    assert ctl.cluster.image_of(ctl.cluster.pool("canary").current) == BASE
    assert ctl.decisions[-1].memory.records == ()


def test_an_in_sync_cluster_seen_first_is_adopted_as_done() -> None:
    cluster = two_pools()
    ctl = Controller(cluster, lambda c: desired(binding("canary", GOOD), policy=policy()))
    ctl.run_until_done()
    fresh = Controller(settle(ctl.cluster), ctl.want, now=ctl.now)
    decision = fresh.run_pass()
    assert decision.done and not decision.writes
    assert fresh.decisions[0].pool("canary").phase is Phase.DONE  # type: ignore[union-attr]


def test_rollback_of_a_superseded_rollout_restores_the_last_baked_content() -> None:
    want = {"canary": GOOD}
    ctl = Controller(
        two_pools(),
        lambda c: desired(binding("canary", want["canary"], 0), policy=policy(on_degraded="rollback")),
    )
    ctl.run_until_done()
    want["canary"] = GOOD2
    steps_until(ctl, "canary", Phase.ROLLING)
    want["canary"] = BAD  # pushed before GOOD2 was baked
    decision = steps_until(ctl, "canary", Phase.ROLLING_BACK)
    restore = [w for w in decision.writes if isinstance(w, RestoreMachineConfig)]
    assert restore[0].content is not None and restore[0].content.os_image_url == GOOD
