"""Gates and edges of the rollout, through the real Reconciler on the simulated cluster: the bake before the
next stage, the render race, adoption of an in-sync cluster, rollback of a superseded rollout,
metadata-only updates, preflight blocking, overrun: finish and pools paused by someone else."""

from __future__ import annotations

import threading

from rsim_world import RolloutWorld, policy_yaml
from testkit import BAD_IMAGE, HOTFIX1, HOTFIX2

from mcosim.resources import CONFIGMAPS, MACHINE_CONFIGS, POOLS
from reconciler.model import ANNOTATION_STAGE, Verb
from reconciler.rollout import Memory, Phase, RestoreMachineConfig

BAKE = 600.0


def canary_then_worker(world: RolloutWorld, canary: str = HOTFIX1) -> None:
    world.repo.policy(policy_yaml(bake="10m"))
    world.repo.bind("canary", canary, stage=0)
    world.repo.bind("worker", HOTFIX1, stage=1)
    world.repo.commit("canary, then worker")


def test_worker_waits_until_canary_is_done_including_bake(world: RolloutWorld) -> None:
    canary_then_worker(world)
    first = world.step(advance=30)
    assert [(type(w).__name__, w.pool) for w in first.decision.writes] == [("Action", "canary")]
    baking = world.drive(lambda r: world.progress(r, "canary").phase is Phase.UPDATED, limit=3600)
    worker = world.progress(baking, "worker")
    assert worker.phase is Phase.WAITING and "waiting for stage 0: canary is updated" in worker.reason
    assert world.progress(baking, "canary").bake_remaining == BAKE
    baked_from, result = world.now, baking
    while world.progress(result, "canary").phase is not Phase.DONE:
        assert world.our_image("worker") is None, "worker written before canary baked"
        world.sim.advance(60)
        result = world.step(advance=0)
    assert world.now >= baked_from + BAKE
    assert [t for t, _ in world.wrote("99-layering-worker")] == [world.now]  # in the pass that saw the bake end
    done = world.drive(lambda r: r.decision.done, limit=4 * 3600, advance=60)
    assert done.decision.summary == "done: 2 pool(s) rolled out and baked"
    assert [w.split(" (")[0] for _, w in world.writes] == [
        "created MachineConfig/99-layering-canary",
        "created MachineConfig/99-layering-worker",
    ]


def test_render_race_updated_with_the_old_target_is_not_updated(world: RolloutWorld) -> None:
    canary_then_worker(world)
    world.step(advance=0)  # writes canary's MC; the render controller has not run since
    with world.sim.store.lock:
        pool = world.sim.store.get(POOLS, "canary")
    assert pool["spec"]["configuration"]["name"] == pool["status"]["configuration"]["name"]  # old target, Updated
    canary = world.progress(world.reconciler.decide(), "canary")
    assert canary.phase is Phase.WRITTEN and canary.reason == "MachineConfig written; waiting for the render"
    record = Memory.from_dict(world.cluster.load_memory()).record("canary")
    assert record is not None and record.updated_since is None


def test_an_in_sync_cluster_seen_first_is_adopted_as_done(world: RolloutWorld) -> None:
    world.repo.policy(policy_yaml(bake="5m"))
    world.repo.bind("canary", HOTFIX1)
    world.repo.commit("canary")
    world.drive(lambda r: r.decision.done, limit=3 * 3600, advance=60)
    with world.sim.store.lock:  # a reconciler that never saw this cluster: no memory at all
        world.sim.store.delete(CONFIGMAPS, "layering-reconciler-state", "layering-reconciler")
    world.restart()
    result = world.step(advance=0)
    assert result.decision.done and not result.decision.writes and not result.changes
    assert world.progress(result, "canary").phase is Phase.DONE


def test_rollback_of_a_superseded_rollout_restores_the_last_baked_content(world: RolloutWorld) -> None:
    world.repo.policy(policy_yaml(bake="5m", on_degraded="rollback"))
    world.repo.bind("canary", HOTFIX1)
    world.repo.commit("canary on hotfix1")
    world.drive(lambda r: r.decision.done, limit=3 * 3600, advance=60)
    world.repo.bind("canary", HOTFIX2)
    world.repo.commit("canary on hotfix2")
    world.drive(lambda r: world.progress(r, "canary").phase is Phase.ROLLING, limit=3600, advance=10)
    world.repo.bind("canary", BAD_IMAGE)  # pushed before hotfix2 was baked
    world.repo.commit("canary on a bad image")
    rolling_back = world.drive(
        lambda r: world.progress(r, "canary").phase is Phase.ROLLING_BACK, limit=3600, advance=30
    )
    restores = [w for w in rolling_back.decision.writes if isinstance(w, RestoreMachineConfig)]
    assert len(restores) == 1 and restores[0].content is not None
    assert restores[0].content.os_image_url == HOTFIX1
    assert world.our_image("canary") == HOTFIX1


def test_a_metadata_only_update_goes_out_without_gates(world: RolloutWorld) -> None:
    canary_then_worker(world)
    world.drive(lambda r: r.decision.done, limit=6 * 3600, advance=60)
    world.repo.bind("worker", HOTFIX1, stage=2)
    world.repo.commit("worker moves to stage 2")
    result = world.step(advance=0)
    updates = [c for c in result.changes if c.verb is Verb.UPDATED]
    assert [(c.name, c.old, c.new) for c in updates] == [("99-layering-worker", HOTFIX1, HOTFIX1)]
    with world.sim.store.lock:
        mc = world.sim.store.get(MACHINE_CONFIGS, "99-layering-worker")
    assert mc["metadata"]["annotations"][ANNOTATION_STAGE] == "2"
    assert world.drive(lambda r: r.decision.done, limit=600).decision.done


def test_blocking_preflight_problems_stop_every_write(world: RolloutWorld) -> None:
    world.repo.policy(policy_yaml())
    world.repo.bind("canary", HOTFIX1)
    world.repo.bind("nope", HOTFIX1)
    world.repo.commit("a binding to a pool that does not exist")
    result = world.reconciler.decide()
    decided = result.decision
    assert not decided.writes and not decided.done
    reason = world.progress(result, "canary").reason
    assert reason.startswith("blocked by preflight: bindings/nope.yaml") and "does not exist" in reason
    assert decided.summary.startswith("blocked by preflight")
    assert world.our_image("canary") is None


def test_overrun_finish_never_pauses(world: RolloutWorld) -> None:
    windows = (("short", "0 */2 * * *", "5m"),)  # five minutes every two hours: the rollout overruns it
    world.repo.policy(policy_yaml(bake="5m", overrun="finish", windows=windows))
    world.repo.bind("worker", HOTFIX1, window="short")
    world.repo.commit("worker in a short window")
    world.drive(lambda r: r.decision.done, limit=6 * 3600, advance=60)
    assert world.booted("worker") == {HOTFIX1}
    assert not [w for _, w in world.writes if "MachineConfigPool/" in w]


def test_a_pool_paused_by_someone_else_blocks_the_start(world: RolloutWorld) -> None:
    world.repo.policy(policy_yaml(bake="5m", overrun="pause"))
    world.repo.bind("canary", HOTFIX1)
    world.repo.commit("canary")
    with world.sim.store.lock:
        world.sim.store.modify(POOLS, "canary", lambda pool: pool["spec"].__setitem__("paused", True))
    for _ in range(5):
        result = world.step(advance=300)
        assert not result.decision.writes
    reason = world.progress(result, "canary").reason
    assert reason == "MachineConfigPool/canary is paused by someone else; it must be unpaused first"
    assert world.our_image("canary") is None and world.pool_spec("canary")["paused"] is True


def test_a_pass_stopped_before_its_writes_skips_them_and_the_next_pass_makes_them(world: RolloutWorld) -> None:
    world.repo.policy(policy_yaml(bake="5m"))
    world.repo.bind("canary", HOTFIX1)
    world.repo.commit("canary")
    stopping = threading.Event()
    stopping.set()
    stopped = world.reconciler.reconcile(stop=stopping)
    assert [(c.verb, c.subject, c.reason) for c in stopped.changes] == [
        (Verb.SKIPPED, "MachineConfig/99-layering-canary", "the reconciler is stopping")
    ]
    assert stopped.written == () and world.our_image("canary") is None
    assert world.progress(stopped, "canary").reason == "next: write MachineConfig/99-layering-canary"
    resumed = world.step(advance=0)
    assert [(c.verb, c.name) for c in resumed.changes] == [(Verb.CREATED, "99-layering-canary")]
    assert world.our_image("canary") == HOTFIX1
