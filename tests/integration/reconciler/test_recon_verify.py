"""--verify in the reconcile loop: a signed commit rolls, an unsigned one on top is refused on every pass
(logged each time, counted in a metric, one Event), and the cluster keeps what it had."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from recon_world import World, binding_yaml, policy_yaml
from signing import Signers
from testkit import HOTFIX1, HOTFIX2

from mcosim.resources import EVENTS
from reconciler.cluster import Cluster
from reconciler.controller.loop import JOB_ID, Loop
from reconciler.source import GitSource, Verifier

MC = "99-layering-worker"


def _loop(world: World, signers: Signers) -> Loop:
    reconciler = world.reconciler()
    reconciler.source = GitSource(str(world.repo.path), cache_dir=world.cache,
                                  verifier=Verifier("head", signers.trusted_keys))
    loop = Loop(reconciler, interval=60)
    loop.scheduler.add_job(loop.tick, IntervalTrigger(seconds=60), id=JOB_ID)  # what run() schedules
    return loop


def _refusal_events(world: World) -> list[dict[str, Any]]:
    with world.sim.store.lock:
        events = list(world.sim.store.items(EVENTS))
    return [e for e in events if e.get("reason") == "LayeringCommitRefused"]


def test_unsigned_commit_on_top_of_a_signed_one_is_refused_on_every_pass(
    world: World, signers: Signers, caplog: pytest.LogCaptureFixture
) -> None:
    repo = world.repo.path
    world.repo.write("layering.yaml", policy_yaml(bake="0s"))
    world.repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", HOTFIX1))
    signed = signers.commit(repo, "Bind worker", "alice")
    loop = _loop(world, signers)
    loop.tick()
    mc = world.mc(MC)
    assert mc is not None and mc["spec"]["osImageURL"] == HOTFIX1
    assert signed in mc["metadata"]["annotations"]["layering.gitops.dev/source"]

    world.repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", HOTFIX2))
    unsigned = signers.commit(repo, "Bump worker, unsigned")
    with caplog.at_level(logging.INFO, logger="reconciler"):
        loop.tick()
        loop.tick()
    refusals = [r.getMessage() for r in caplog.records if "refused by --verify" in r.getMessage()]
    assert refusals == [f"commit {unsigned[:12]} refused by --verify: the cluster is kept as it is"] * 2
    failures = [r.getMessage() for r in caplog.records if r.getMessage().startswith("pass failed (UntrustedCommit)")]
    assert len(failures) == 2 and all(unsigned in line and "is not signed" in line for line in failures)
    assert loop.metrics.refused_commits._value.get() == 2
    assert loop.metrics.passes.labels("UntrustedCommit")._value.get() == 2
    events = _refusal_events(world)
    assert len(events) == 1 and unsigned in str(events[0]["message"]) and events[0]["type"] == "Warning"
    assert events[0]["metadata"]["namespace"] == "layering-reconciler"
    assert events[0]["involvedObject"] == {"kind": "ConfigMap", "name": "layering-reconciler-state",
                                           "namespace": "layering-reconciler", "apiVersion": "v1"}
    mc = world.mc(MC)
    assert mc is not None and mc["spec"]["osImageURL"] == HOTFIX1  # nothing changed in the cluster


def test_the_refusal_event_goes_to_the_namespace_the_reconciler_runs_in(
        world: World, signers: Signers, tmp_path: Path) -> None:
    world.repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", HOTFIX1))
    unsigned = world.repo.commit("Bind worker, unsigned")
    kubeconfig = world.sim.write_kubeconfig(tmp_path / "kubeconfig")
    with Cluster.connect(str(kubeconfig), namespace="platform-gitops") as cluster:
        loop = _loop(world, signers)
        loop.reconciler.cluster = cluster
        loop.tick()
        cluster.flush_events()
    events = _refusal_events(world)
    assert len(events) == 1 and unsigned in str(events[0]["message"])
    assert events[0]["metadata"]["namespace"] == "platform-gitops"
    assert events[0]["involvedObject"]["namespace"] == "platform-gitops"
    assert world.mc(MC) is None
