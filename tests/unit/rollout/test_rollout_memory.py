"""The rollout memory document: a JSON round trip, and refusal of a document it cannot trust.

The rollout itself is tested through the real Reconciler on the simulated cluster (integration/rollout_sim)."""

from __future__ import annotations

import json

import pytest
from testkit import HOTFIX1

from reconciler.model import DesiredMachineConfig
from reconciler.rollout import FailedRevision, Memory, PoolRecord, RecordKind

RECORD = PoolRecord(
    pool="canary",
    kind=RecordKind.APPLY,
    image=HOTFIX1,
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
