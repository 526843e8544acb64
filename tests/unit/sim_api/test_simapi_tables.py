"""Printer columns and ages of the simulated API server's Table output."""

from __future__ import annotations

import pytest

from mcosim.api.columns import age_since, human_duration
from mcosim.api.tables import node_roles, node_status, table, wants_table


@pytest.mark.parametrize(("seconds", "shown"), [
    (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (119, "119s"), (120, "2m"), (150, "2m30s"), (599, "9m59s"),
    (600, "10m"), (179 * 60, "179m"), (3 * 3600, "3h"), (3 * 3600 + 60, "3h1m"), (8 * 3600, "8h"),
    (47 * 3600, "47h"), (48 * 3600, "2d"), (3 * 86400 + 4 * 3600, "3d4h"), (8 * 86400, "8d"),
    (729 * 86400, "729d"), (730 * 86400, "2y"), (735 * 86400, "2y5d"), (9 * 365 * 86400, "9y"),
])
def test_human_duration_follows_apimachinery(seconds: int, shown: str) -> None:
    assert human_duration(seconds) == shown


def test_age_since_timestamps() -> None:
    assert age_since("2026-01-01T00:00:00Z", 1767225600 + 90) == "90s"
    assert age_since(None, 0) == "<unknown>"
    assert age_since("yesterday", 0) == "<unknown>"


def test_node_status_and_roles() -> None:
    ready = {"status": {"conditions": [{"type": "Ready", "status": "True"}]}, "spec": {}}
    assert node_status(ready) == "Ready"
    assert node_status({"status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}}) == "NotReady"
    assert node_status({"spec": {"unschedulable": True}}) == "Unknown,SchedulingDisabled"
    labels = {"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/infra": "",
              "kubernetes.io/role": "x"}
    assert node_roles({"metadata": {"labels": labels}}) == "infra,worker,x"
    assert node_roles({"metadata": {}}) == "<none>"


def test_mcp_table_rows_and_objects() -> None:
    mcp = {"metadata": {"name": "worker", "creationTimestamp": "2026-01-01T00:00:00Z"},
           "status": {"configuration": {"name": "rendered-worker-1"}, "machineCount": 3,
                      "conditions": [{"type": "Updating", "status": "True"}]}}
    out = table("MachineConfigPool", [mcp], 1767225600 + 7200, "12")
    assert out["metadata"] == {"resourceVersion": "12"}
    assert out["rows"][0]["cells"] == ["worker", "rendered-worker-1", "", "True", "", 3, None, None, None,
                                       "120m"]
    assert len(out["columnDefinitions"]) == len(out["rows"][0]["cells"])
    assert out["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    assert "object" not in table("MachineConfigPool", [mcp], 0, "1", include="None")["rows"][0]


def test_wants_table_only_when_table_comes_first() -> None:
    assert wants_table("application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
    assert not wants_table("application/json")
    assert not wants_table("application/json, application/json;as=Table;v=v1;g=meta.k8s.io")
