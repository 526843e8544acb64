"""Merge, JSON and strategic-merge patches as the simulated API server applies them."""

from __future__ import annotations

from typing import Any

import pytest

from mcosim.api.patch import (
    APPLY,
    JSON_PATCH,
    MERGE,
    STRATEGIC,
    apply_patch,
    json_patch,
    merge_patch,
    strategic_merge_patch,
)
from mcosim.errors import ApiError

LIVE: dict[str, Any] = {"metadata": {"name": "n", "labels": {"a": "1", "b": "2"}},
        "spec": {"kernelArguments": ["x", "y"], "fips": False}}


def test_merge_patch_merges_maps_replaces_lists_and_deletes_nulls() -> None:
    patch = {"metadata": {"labels": {"a": None, "c": "3"}}, "spec": {"kernelArguments": ["z"]}}
    patched = merge_patch(LIVE, patch)
    assert patched["metadata"]["labels"] == {"b": "2", "c": "3"}
    assert patched["spec"] == {"kernelArguments": ["z"], "fips": False}
    assert LIVE["metadata"]["labels"] == {"a": "1", "b": "2"}  # the input is never changed


def test_json_patch_operations() -> None:
    ops = [
        {"op": "add", "path": "/spec/kernelArguments/-", "value": "w"},
        {"op": "replace", "path": "/spec/fips", "value": True},
        {"op": "remove", "path": "/metadata/labels/a"},
        {"op": "copy", "from": "/metadata/labels/b", "path": "/metadata/labels/c"},
        {"op": "move", "from": "/spec/kernelArguments/0", "path": "/spec/first"},
        {"op": "test", "path": "/spec/first", "value": "x"},
        {"op": "add", "path": "/metadata/annotations", "value": {"k~/": "v"}},
        {"op": "remove", "path": "/metadata/annotations/k~0~1"},
    ]
    patched = json_patch(LIVE, ops)
    assert patched["spec"] == {"kernelArguments": ["y", "w"], "fips": True, "first": "x"}
    assert patched["metadata"]["labels"] == {"b": "2", "c": "2"}
    assert patched["metadata"]["annotations"] == {}


@pytest.mark.parametrize("op", [
    {"op": "test", "path": "/spec/fips", "value": True},
    {"op": "remove", "path": "/spec/missing"},
    {"op": "replace", "path": "/spec/kernelArguments/5", "value": 1},
])
def test_failing_json_patch_is_422(op: dict[str, object]) -> None:
    with pytest.raises(ApiError) as err:
        json_patch(LIVE, [op])
    assert err.value.code == 422


def test_strategic_merge_merges_keyed_lists_and_drops_directives() -> None:
    conditions = [{"type": "Ready", "status": "True"}, {"type": "DiskPressure", "status": "False"}]
    node = {"status": {"conditions": conditions}, "spec": {"taints": [{"key": "a", "effect": "NoSchedule"}]}}
    patch = {"$setElementOrder/conditions": [{"type": "Ready"}],
             "status": {"conditions": [{"type": "Ready", "status": "False"},
                                       {"type": "New", "status": "True"},
                                       {"type": "DiskPressure", "$patch": "delete"}]},
             "spec": {"taints": [{"key": "b", "effect": "NoExecute"}]}}
    patched = strategic_merge_patch(node, patch)
    assert patched["status"]["conditions"] == [{"type": "Ready", "status": "False"},
                                               {"type": "New", "status": "True"}]
    assert patched["spec"]["taints"] == [{"key": "b", "effect": "NoExecute"}]
    assert "$setElementOrder/conditions" not in patched


def test_strategic_merge_is_refused_for_custom_resources() -> None:
    with pytest.raises(ApiError) as err:
        apply_patch(STRATEGIC, LIVE, {"spec": {}}, custom=True)
    assert err.value.code == 415
    assert err.value.message == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
    assert apply_patch(STRATEGIC, LIVE, {"spec": {"fips": True}}, custom=False)["spec"]["fips"] is True


def test_apply_and_merge_content_types_merge() -> None:
    for content_type in (MERGE, APPLY):
        assert apply_patch(content_type, LIVE, {"spec": {"fips": True}}, custom=True)["spec"]["fips"] is True
    assert apply_patch(JSON_PATCH, LIVE, [], custom=True) == LIVE
    with pytest.raises(ApiError) as err:
        apply_patch("text/plain", LIVE, {}, custom=True)
    assert err.value.code == 415
