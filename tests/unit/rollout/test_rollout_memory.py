"""The rollout memory document, preflight blocking, stale bindings after an upgrade, metadata-only updates."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from rollout_cluster import GOOD, NEW_BASE, binding, desired, new_cluster, policy
from rollout_driver import Controller, progress

from reconciler.model import ANNOTATION_STAGE, ActionKind, DesiredMachineConfig, Problem, Severity
from reconciler.rollout import FailedRevision, Memory, Phase, PoolRecord, RecordKind, decide

RECORD = PoolRecord(
    pool="canary",
    kind=RecordKind.APPLY,
    image=GOOD,
    binding="canary-image",
    stage=1,
    window="nightly",
    affected=("canary",),
    base_image="base",
    previous=DesiredMachineConfig("99-layering-canary", "canary", "old", (("a", "b"),), (("c", "d"),)),
    started_at=10.0,
    written=True,
    progress="abc",
    progress_at=20.0,
    updated_since=30.5,
)


def test_memory_round_trips_through_json() -> None:
    memory = Memory((RECORD,), (FailedRevision("worker", "w", None, "why", 5.0),), ("canary",))
    doc = json.loads(json.dumps(memory.to_dict()))
    assert Memory.from_dict(doc) == memory
    assert Memory.from_dict({}) == Memory()


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"version": 7}, "unsupported version 7"),
        ({"version": 1, "pools": []}, "pools: expected an object"),
        ({"version": 1, "pools": {"canary": {"kind": "teleport"}}}, "pools.canary.kind"),
        (
            {"version": 1, "pools": {"canary": {"kind": "apply", "image": 3}}},
            "pools.canary.image: expected a string",
        ),
        ({"version": 1, "pausedByUs": "canary"}, "pausedByUs: expected a list"),
    ],
)
def test_memory_refuses_a_document_it_cannot_trust(doc: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Memory.from_dict(doc)


def test_blocking_preflight_problems_stop_every_write() -> None:
    want = desired(binding("canary", GOOD), policy=policy())
    ctl = Controller(new_cluster({"canary": 1}), lambda c: want)
    live, plan = ctl.decide_inputs()
    blocked = replace(
        plan, problems=(Problem(Severity.BLOCKING, "bindings/c.yaml:3", "registry not allowed"),)
    )
    decision = decide(blocked, want, live, Memory(), {}, ctl.now)
    assert not decision.writes and not decision.done
    assert (
        progress(decision, "canary").reason == "blocked by preflight: bindings/c.yaml:3: registry not allowed"
    )
    assert decision.summary.startswith("blocked by preflight")


def test_a_cluster_upgrade_makes_applied_bindings_stale() -> None:
    want = desired(binding("canary", GOOD), policy=policy())
    ctl = Controller(new_cluster({"canary": 1}), lambda c: want)
    ctl.run_until_done()
    assert not progress(ctl.decisions[-1], "canary").stale
    ctl.cluster = replace(ctl.cluster, base=NEW_BASE)
    canary = progress(ctl.step(), "canary")
    assert canary is not None and canary.stale and canary.phase is Phase.DONE
    assert "rebuild the image FROM the new base" in canary.stale_reason and NEW_BASE in canary.stale_reason


def test_a_metadata_only_update_goes_out_without_gates() -> None:
    want = desired(binding("canary", GOOD, 0), binding("worker", GOOD, 1), policy=policy())
    ctl = Controller(new_cluster({"canary": 1, "worker": 1}), lambda c: want)
    ctl.run_until_done()
    restaged = desired(binding("canary", GOOD, 0), binding("worker", GOOD, 2), policy=policy())
    ctl.want = lambda c: restaged
    decision = ctl.step()
    updates = [w for w in decision.writes if getattr(w, "kind", None) is ActionKind.UPDATE]
    assert [(w.pool, dict(w.desired.annotations)[ANNOTATION_STAGE]) for w in updates] == [("worker", "2")]  # type: ignore[union-attr]
    ctl.run_until_done()
