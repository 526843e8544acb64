"""Pure conversions in reconciler.cluster: MC facts, pool roles, node membership and phase."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.cluster.nodes import node_phase, pool_for_node, selector_matches, step_error
from reconciler.cluster.parse import has_other_content, machine_config_info, selector_roles
from reconciler.cluster.selective import assemble, parse_all

MCO = "machineconfiguration.openshift.io"
ROLE = f"{MCO}/role"


def pool(name: str, node_label: str, roles: list[str], target: str = "") -> dict[str, Any]:
    selector: dict[str, Any] = (
        {"matchLabels": {ROLE: roles[0]}}
        if len(roles) == 1
        else {"matchExpressions": [{"key": ROLE, "operator": "In", "values": roles}]}
    )
    return {
        "metadata": {"name": name},
        "spec": {
            "machineConfigSelector": selector,
            "nodeSelector": {"matchLabels": {f"node-role.kubernetes.io/{node_label}": ""}},
            "configuration": {"name": target},
        },
    }


POOLS = [
    pool("master", "master", ["master"]),
    pool("worker", "worker", ["worker"]),
    pool("infra", "infra", ["worker", "infra"]),
]


def node(roles: list[str], annotations: dict[str, str] | None = None, ready: bool = True) -> dict[str, Any]:
    return {
        "metadata": {
            "name": "n1",
            "labels": {f"node-role.kubernetes.io/{r}": "" for r in roles},
            "annotations": annotations or {},
        },
        "spec": {},
        "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]},
    }


DRAIN = "drain-rendered-worker-new"
UNCORDON = "uncordon-rendered-worker-new"


def working(**extra: str) -> dict[str, str]:
    return {
        f"{MCO}/currentConfig": "rendered-worker-old",
        f"{MCO}/desiredConfig": "rendered-worker-new",
        f"{MCO}/state": "Working",
        **{f"{MCO}/{k}": v for k, v in extra.items()},
    }


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (["worker"], "worker"),
        (["worker", "infra"], "infra"),  # a custom pool beats worker
        (["master", "infra"], "master"),  # master beats a custom pool
        (["master"], "master"),
        (["gpu"], ""),
    ],
)
def test_pool_membership_follows_mco_precedence(roles: list[str], expected: str) -> None:
    assert pool_for_node(node(roles), POOLS) == expected


def test_selector_expressions() -> None:
    labels = {"a": "1", "b": "2"}

    def expr(key: str, operator: str, *values: str) -> dict[str, Any]:
        return {"matchExpressions": [{"key": key, "operator": operator, "values": list(values)}]}

    assert selector_matches(expr("a", "In", "1"), labels)
    assert not selector_matches(expr("a", "NotIn", "1"), labels)
    assert selector_matches(expr("c", "DoesNotExist"), labels)
    assert not selector_matches(expr("c", "Exists"), labels)
    assert selector_matches({}, labels)
    assert not selector_matches(None, labels)


def test_pool_roles_from_match_labels_and_in_expressions() -> None:
    assert selector_roles(POOLS[1]["spec"]["machineConfigSelector"]) == ("worker",)
    assert selector_roles(POOLS[2]["spec"]["machineConfigSelector"]) == ("worker", "infra")
    assert selector_roles(None) == ()


@pytest.mark.parametrize(
    ("annotations", "ready", "unschedulable", "expected"),
    [
        ({f"{MCO}/state": "Degraded", f"{MCO}/currentConfig": "a", f"{MCO}/desiredConfig": "b"}, True, True,
         "degraded"),
        (working(desiredDrain=DRAIN, lastAppliedDrain="uncordon-x"), True, True, "draining"),  # cordoned, evicting
        (working(desiredDrain=DRAIN, lastAppliedDrain="uncordon-x"), True, False, "cordoning"),  # not cordoned yet
        (working(desiredDrain=DRAIN, lastAppliedDrain=DRAIN), True, True, "drained"),
        (working(desiredDrain=DRAIN, lastAppliedDrain=DRAIN), False, True, "rebooting"),
        (working(desiredDrain=UNCORDON, lastAppliedDrain=DRAIN), True, True, "uncordoning"),
        (working(desiredDrain=UNCORDON, lastAppliedDrain=UNCORDON), True, False, "uncordoned"),
        ({**working(), f"{MCO}/state": "Done"}, True, False, "pending"),
    ],
)
def test_phase_from_annotations(
    annotations: dict[str, str], ready: bool, unschedulable: bool, expected: str
) -> None:
    obj = node(["worker"], annotations, ready)
    obj["spec"]["unschedulable"] = unschedulable
    assert node_phase(obj, None, "rendered-worker-new") == expected


def test_phase_idle_node_is_updated_or_waiting_for_its_pool() -> None:
    done = {f"{MCO}/currentConfig": "r1", f"{MCO}/desiredConfig": "r1", f"{MCO}/state": "Done"}
    assert node_phase(node(["worker"], done), None, "r1") == "updated"
    assert node_phase(node(["worker"], done), None, "r2") == "waiting"


def mcn(**conditions: str) -> dict[str, Any]:
    return {"status": {"conditions": [{"type": t, "status": s} for t, s in conditions.items()]}}


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({"UpdatePrepared": "Unknown", "Cordoned": "False"}, "preparing"),
        ({"UpdatePrepared": "True", "Cordoned": "True", "Drained": "Unknown"}, "draining"),
        ({"Cordoned": "True", "Drained": "True", "AppliedFilesAndOS": "Unknown"}, "applying"),
        ({"Drained": "True", "AppliedFilesAndOS": "True", "RebootedNode": "Unknown"}, "rebooting"),
        ({"RebootedNode": "True", "Uncordoned": "True"}, "uncordoned"),
        ({"AppliedFilesAndOS": "Unknown", "NodeDegraded": "True"}, "degraded"),
    ],
)
def test_phase_from_machine_config_node_conditions(conditions: dict[str, str], expected: str) -> None:
    assert node_phase(node(["worker"], working()), mcn(**conditions), "rendered-worker-new") == expected


def test_machine_config_facts() -> None:
    info = machine_config_info({
        "metadata": {
            "name": "99-layering-worker",
            "resourceVersion": "42",
            "labels": {ROLE: "worker", "app.kubernetes.io/managed-by": "layering-reconciler"},
        },
        "spec": {"osImageURL": "quay.io/x@sha256:" + "a" * 64, "config": {"ignition": {"version": "3.4.0"}}},
    })
    assert (info.role, info.managed, info.resource_version) == ("worker", True, "42")
    assert not info.has_other_content
    template = machine_config_info({
        "metadata": {"name": "00-worker", "annotations": {f"{MCO}/generated-by-controller-version": "v"}},
        "spec": {"config": {"storage": {"files": [{"path": "/etc/x"}]}}},
    })
    assert template.generated_by_controller and template.has_other_content and not template.managed


@pytest.mark.parametrize(
    ("spec", "other"),
    [
        ({"kernelType": "realtime"}, True),
        ({"kernelType": "default"}, False),
        ({"extensions": ["usbguard"]}, True),
        ({"kernelArguments": None, "extensions": []}, False),
        ({"config": {"ignition": {"version": "3.2.0"}, "storage": {}}}, False),
        ({"config": {"systemd": {"units": [{"name": "a.service"}]}}}, True),
        ({"fips": True}, True),
    ],
)
def test_other_content(spec: dict[str, Any], other: bool) -> None:
    assert has_other_content(spec) is other


def test_assemble_takes_pool_images_from_rendered_configs() -> None:
    pools = [pool("worker", "worker", ["worker"], target="rendered-worker-new")]
    pools[0]["status"] = {"configuration": {"name": "rendered-worker-old"}, "machineCount": 1}
    mcs = [
        {"metadata": {"name": "rendered-worker-new"}, "spec": {"osImageURL": "new"}},
        {"metadata": {"name": "rendered-worker-old"}, "spec": {"osImageURL": "old"}},
    ]
    live = assemble(parse_all(mcs, pools), pools, [node(["worker"], working())], {}, "base", "4.16.3", 7.0,
                    wanted=None)
    worker = live.pool("worker")
    assert worker is not None
    assert (worker.target_image, worker.current_image, worker.machine_count) == ("new", "old", 1)
    assert live.nodes_of("worker")[0].name == "n1"
    assert (live.base_image, live.release_version, live.observed_at) == ("base", "4.16.3", 7.0)


def test_a_failing_drain_reports_its_error_from_the_machine_config_node() -> None:
    error = 'error when evicting pods/"router-1" -n "openshift-ingress": Cannot evict pod'
    mcn = {"status": {"conditions": [
        {"type": "Drained", "status": "Unknown",
         "message": f"Error: Node Drain has not succeeded. Error is: {error} The drain will not be complete "
                    "until desired drainer drain-rendered-worker-1 matches current drainer"},
    ]}}
    assert step_error(mcn) == error
    mcn["status"]["conditions"][0]["status"] = "True"
    assert step_error(mcn) == ""
    assert step_error(None) == ""
