"""Node controller: readiness, availability, candidates and the counts in pool status."""

from __future__ import annotations

from collections.abc import Callable

from fidelity_kit import BAD_IMAGE, HOTFIX, apply, condition, mc, status, target

from mcosim import Simulator
from mcosim.mco.nodes import select_candidates
from mcosim.mco.nodestate import NodeSummary
from mcosim.resources import MACHINE_CONFIGS, NODES


def cordon(sim: Simulator, node: str) -> None:
    sim.store.modify(NODES, node, lambda n: n["spec"].update(unschedulable=True))
    sim.advance(1)


def test_cordoned_node_is_unavailable_and_never_a_candidate(make_sim: Callable[..., Simulator]) -> None:
    """`kubectl cordon`: the node counts as unavailable (not ready) and is left out of the rollout; with
    maxUnavailable 1 it takes the only slot, so no other node starts either.

    Source: openshift/machine-config-operator release-4.16 pkg/controller/node/status.go (checkNodeReady:
    "node %s is reporting Unschedulable"; isNodeUnavailable; getReadyMachines) and node_controller.go
    (getAllCandidateMachines skips nodes that are not ready).
    """
    sim = make_sim(workers=3)
    cordoned = sim.nodes_of("worker")[0]
    cordon(sim, cordoned)
    counts = status(sim)
    assert (counts["unavailableMachineCount"], counts["readyMachineCount"], counts["updatedMachineCount"]) == (1, 2, 3)
    apply(sim, mc("99-image", osImageURL=HOTFIX))
    sim.advance(3 * 3600)
    notes = sim.node_annotations(cordoned)
    assert notes["desiredConfig"] == notes["currentConfig"] != target(sim), "a cordoned node is never targeted"
    assert all(sim.node_annotations(n)["desiredConfig"] != target(sim) for n in sim.nodes_of("worker"))
    assert condition(sim, "Updated")["status"] == "False" and condition(sim, "Updating")["status"] == "True"
    sim.store.modify(NODES, cordoned, lambda n: n["spec"].update(unschedulable=False))  # uncordon: it rolls
    assert sim.run_until(lambda: sim.pool_updated("worker"), 4 * 3600)


def test_cordoned_node_with_max_unavailable_2_lets_one_other_node_roll(make_sim: Callable[..., Simulator]) -> None:
    """The cordoned node takes one of two slots: the others roll one at a time, and it stays behind.

    Source: openshift/machine-config-operator release-4.16 pkg/controller/node/node_controller.go
    (getAllCandidateMachines: capacity = maxUnavailable - unavailable).
    """
    sim = make_sim(workers=3, max_unavailable={"worker": 2})
    cordoned = sim.nodes_of("worker")[0]
    cordon(sim, cordoned)
    apply(sim, mc("99-image", osImageURL=HOTFIX))
    new = target(sim)
    peak = 0
    for _ in range(600):
        sim.advance(10)
        targeted = [n for n in sim.nodes_of("worker") if sim.node_annotations(n)["desiredConfig"] == new]
        busy = [n for n in targeted if sim.node_annotations(n)["currentConfig"] != new]
        peak = max(peak, len(busy))
        if len(targeted) == 2 and not busy:
            break
    assert peak == 1 and cordoned not in targeted and len(targeted) == 2


def summary(name: str, desired: str, current: str, state: str, unschedulable: bool = False) -> NodeSummary:
    return NodeSummary(name, desired, current, state, "", True, unschedulable, False, "us-west-1a", name)


def test_a_degraded_cordoned_node_counts_twice_against_max_unavailable() -> None:
    """maxUnavailable 2, one node failed on the new config (still cordoned), one done: nothing more is
    targeted, so a failure does not spread. Unavailable (cordoned) and failing on this config both count.

    Source: openshift/machine-config-operator release-4.16 pkg/controller/node/node_controller.go
    (getAllCandidateMachines: failingThisConfig; "Nodes which are failing to target this config also count
    against availability") and status.go (isNodeMCDFailing, checkNodeReady).
    """
    pool = {"metadata": {"name": "worker"}, "spec": {"maxUnavailable": 2}}
    nodes = [
        summary("a", "new", "old", "Degraded", unschedulable=True),
        summary("b", "new", "new", "Done"),
        summary("c", "old", "old", "Done"),
    ]
    assert select_candidates(pool, nodes, "new") == []
    # failed before its drain (still schedulable): counted once, as failing on this config; c gets the slot
    nodes[0] = summary("a", "new", "old", "Unreconcilable", unschedulable=False)
    assert [n.name for n in select_candidates(pool, nodes, "new")] == ["c"]


def test_degraded_node_is_not_retargeted_when_the_machine_config_goes(make_sim: Callable[..., Simulator]) -> None:
    """A node that failed after its drain stays cordoned and Degraded when its MC is deleted: the pool goes
    back to the previous config but the node controller never retargets an unavailable node.

    Source: openshift/machine-config-operator release-4.16 pkg/daemon/update.go (update: drain before the OS
    change, no uncordon on failure) and pkg/controller/node/node_controller.go (getAllCandidateMachines).
    """
    sim = make_sim()
    before = target(sim)
    apply(sim, mc("99-bad", osImageURL=BAD_IMAGE))
    sim.advance(1800)
    failed = next(n for n in sim.nodes_of("worker") if sim.node_annotations(n)["state"] == "Degraded")
    sim.store.delete(MACHINE_CONFIGS, "99-bad")
    sim.advance(3600)
    assert target(sim) == before
    assert sim.node_annotations(failed)["state"] == "Degraded"
    assert sim.store.get(NODES, failed)["spec"]["unschedulable"] is True
    sim.reset_node(failed)
    sim.advance(1800)
    assert sim.node_annotations(failed)["state"] == "Done" and sim.pool_updated("worker")


def test_the_operator_node_is_updated_last_in_the_control_plane(make_sim: Callable[..., Simulator]) -> None:
    """Master candidates skip the node running the machine-config-operator pod while others remain, with a
    DeferringOperatorNodeUpdate event; that node goes last.

    Source: openshift/machine-config-operator release-4.16 pkg/controller/node/node_controller.go
    (updateCandidateMachines, filterControlPlaneCandidateNodes, getOperatorNodeName: k8s-app=machine-config-operator).
    """
    from mcosim.resources import EVENTS, PODS

    sim = make_sim(masters=3)
    pods, _ = sim.store.list(PODS, labels="k8s-app=machine-config-operator")
    operator = pods[0]["spec"]["nodeName"]
    apply(sim, mc("99-master-image", role="master", osImageURL=HOTFIX))
    new = target(sim, "master")
    order: list[str] = []
    for _ in range(2000):
        sim.advance(10)
        order += [
            n for n in sim.nodes_of("master") if sim.node_annotations(n)["desiredConfig"] == new and n not in order
        ]
        if len(order) == 3:
            break
    assert order[-1] == operator and len(order) == 3
    events = [e for e in sim.store.items(EVENTS) if e["reason"] == "DeferringOperatorNodeUpdate"]
    assert events and events[0]["message"] == f"Deferring update of machine config operator node {operator}"
