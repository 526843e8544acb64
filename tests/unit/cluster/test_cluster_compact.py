"""The rollout memory stays small at fleet scale, and a settled pool needs no node read."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testkit import HOTFIX1

from reconciler.cluster import packing
from reconciler.cluster.parse import pool_state
from reconciler.cluster.selective import settled, unsettled_pools
from reconciler.model import DesiredMachineConfig
from reconciler.rollout import Memory, PoolRecord, RecordKind
from reconciler.rollout.memory import without_progress

MIB = 1024 * 1024
BASE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "d8" * 32


def fleet(pools: int) -> Memory:
    """A record per pool as a finished rollout leaves it: every field a real record carries set."""
    records = tuple(
        PoolRecord(
            pool=f"pool-{i:05d}", kind=RecordKind.APPLY, image=HOTFIX1, binding=f"pool-{i:05d}-image", stage=i % 4,
            affected=(f"pool-{i:05d}",), base_image=BASE,
            previous=DesiredMachineConfig(f"99-layering-pool-{i:05d}", f"pool-{i:05d}", BASE,
                                          (("machineconfiguration.openshift.io/role", f"pool-{i:05d}"),), ()),
            started_at=1.7e9 + i, written=True, progress=f"{i:016x}", progress_at=1.7e9 + i + 60.5,
            updated_since=1.7e9 + i + 900.25, done_at=1.7e9 + i + 1500.75,
        )
        for i in range(pools)
    )
    return Memory(records=records)


def stored_size(data: dict[str, str], binary: dict[str, str]) -> int:
    return sum(len(k) + len(v) for part in (data, binary) for k, v in part.items())


def test_five_thousand_pools_fit_far_below_the_object_limit() -> None:
    doc = fleet(5000).to_dict()
    data, binary = packing.encode(doc)
    assert not data and set(binary) == {packing.PACKED_KEY}  # large: packed
    assert stored_size(data, binary) < MIB // 2, stored_size(data, binary)
    assert json.loads(packing.decode({"binaryData": binary}) or "") == doc
    assert Memory.from_dict(doc) == fleet(5000)


def test_a_small_memory_stays_readable_json() -> None:
    doc = fleet(3).to_dict()
    data, binary = packing.encode(doc)
    assert not binary and json.loads(data[packing.PLAIN_KEY]) == doc


def test_defaults_are_left_out_and_read_back() -> None:
    record = PoolRecord(pool="worker", kind=RecordKind.REMOVE, image=None)
    doc = Memory(records=(record,)).to_dict()
    assert doc["pools"]["worker"] == {"kind": "remove"}
    assert Memory.from_dict(doc).records == (record,)


def test_a_damaged_packed_memory_is_an_error_not_an_empty_one() -> None:
    with pytest.raises(ValueError, match="damaged"):
        packing.decode({"binaryData": {packing.PACKED_KEY: base64.b64encode(b"not gzip").decode()}})


def test_progress_marks_alone_are_no_change_in_substance() -> None:
    doc = fleet(2).to_dict()
    moved = json.loads(json.dumps(doc))
    moved["pools"]["pool-00000"]["progress"] = "ffff"
    moved["pools"]["pool-00000"]["progressAt"] = 9.0
    assert without_progress(moved) == without_progress(doc) and moved != doc
    moved["pools"]["pool-00000"]["written"] = False
    assert without_progress(moved) != without_progress(doc)


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.text(max_size=200), max_size=50))
def test_packing_round_trips_any_document(doc: dict[str, Any]) -> None:
    data, binary = packing.encode(doc)
    assert json.loads(packing.decode({"data": data, "binaryData": binary}) or "{}") == doc


def pool(**status: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "configuration": {"name": "rendered-a"}, "machineCount": 3, "updatedMachineCount": 3,
        "readyMachineCount": 3, "unavailableMachineCount": 0, "degradedMachineCount": 0, "observedGeneration": 2,
        "conditions": [{"type": "Updated", "status": "True"}, {"type": "Degraded", "status": "False"}],
    }
    return {"metadata": {"name": "p", "generation": 2}, "spec": {"configuration": {"name": "rendered-a"}},
            "status": {**base, **status}}


@pytest.mark.parametrize("status", [
    {"configuration": {"name": "rendered-old"}},
    {"updatedMachineCount": 2},
    {"readyMachineCount": 2},
    {"unavailableMachineCount": 1},
    {"degradedMachineCount": 1},
    {"observedGeneration": 1},
    {"conditions": [{"type": "Updated", "status": "False"}]},
    {"conditions": [{"type": "Updated", "status": "True"}, {"type": "NodeDegraded", "status": "True"}]},
])
def test_a_pool_that_moves_or_fails_is_not_settled(status: dict[str, Any]) -> None:
    assert settled(pool_state(pool(), {}))
    assert not settled(pool_state(pool(**status), {}))
    assert unsettled_pools([pool_state(pool(**status), {})]) == {"p"}


@pytest.mark.parametrize("repeated", [
    [{"type": "Updated", "status": "True"}, {"type": "Degraded", "status": "False"},
     {"type": "Degraded", "status": "True"}],
    [{"type": "Updated", "status": "True"}, {"type": "Updated", "status": "False"}],
])
def test_a_repeated_condition_that_disagrees_unsettles_the_pool(repeated: list[dict[str, str]]) -> None:
    """The model reads the first condition of a type; settledness counts every one (nodes are then read)."""
    assert not settled(pool_state(pool(conditions=repeated), {}))
