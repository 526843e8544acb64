"""The machine-config-daemon's failure texts and refusals, per release."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from fidelity_kit import BAD_IMAGE, apply, condition, mc, status

from mcosim import Simulator
from mcosim.resources import EVENTS, NODES

STDERR_TAIL = "manifest unknown: exit status 1"


@pytest.mark.parametrize(
    ("release", "prefix"),
    [
        ("4.15.20", f"failed to update OS to {BAD_IMAGE} : error running rpm-ostree rebase"),
        ("4.16.3", f"Failed to update OS to {BAD_IMAGE} after retries: error running rpm-ostree rebase"),
        ("4.19.0", f"Failed to update OS to {BAD_IMAGE} after retries: error running rpm-ostree rebase"),
    ],
)
def test_os_update_failure_text(make_sim: Callable[..., Simulator], release: str, prefix: str) -> None:
    """An image that cannot be pulled: the node's reason annotation, as each release words it.

    Source: openshift/machine-config-operator release-4.15 pkg/daemon/update.go (updateLayeredOSToPullspec:
    "failed to update OS to %s : %w", one attempt), release-4.16 and release-4.19 (retries, "Failed to update
    OS to %s after retries: %w"); runCmdSync ("error running %s %s: %s: %w").
    """
    sim = make_sim(release)
    apply(sim, mc("99-bad", osImageURL=BAD_IMAGE))
    assert sim.run_until(lambda: status(sim)["degradedMachineCount"] == 1, 3600)
    node = next(n for n in sim.nodes_of("worker") if sim.node_annotations(n)["state"] == "Degraded")
    reason = sim.node_annotations(node)["reason"]
    assert reason.startswith(prefix + f" --experimental ostree-unverified-registry:{BAD_IMAGE}: ")
    assert reason.endswith(STDERR_TAIL)


def test_fips_change_is_unreconcilable_on_the_node_before_4_16(make_sim: Callable[..., Simulator]) -> None:
    """4.15 renders a FIPS change; the daemon refuses it: state Unreconcilable, Warning FailedToReconcile,
    and the node is not drained. The pool is NodeDegraded and goes no further.

    Source: openshift/machine-config-operator release-4.15 pkg/daemon/update.go (update: reconcilable,
    checkFIPS, "can't reconcile config %s with %s: %w", FailedToReconcile event) and daemon.go
    (updateErrorState: SetUnreconcilable).
    """
    sim = make_sim("4.15.20")
    before = sim.node_annotations(sim.nodes_of("worker")[0])["currentConfig"]
    apply(sim, mc("99-fips", fips=True))
    assert condition(sim, "RenderDegraded")["status"] == "False"
    assert sim.run_until(lambda: status(sim)["degradedMachineCount"] == 1, 3600)
    node = next(n for n in sim.nodes_of("worker") if sim.node_annotations(n)["state"] == "Unreconcilable")
    notes = sim.node_annotations(node)
    assert notes["reason"] == (
        f"can't reconcile config {before} with {notes['desiredConfig']}: detected change to FIPS flag; "
        "refusing to modify FIPS on a running cluster"
    )
    assert not sim.store.get(NODES, node)["spec"].get("unschedulable")
    assert any(e["reason"] == "FailedToReconcile" for e in sim.store.items(EVENTS))
    sim.advance(3600)  # failing on this config, it holds the only slot: the other worker is never targeted
    other = next(n for n in sim.nodes_of("worker") if n != node)
    assert sim.node_annotations(other)["desiredConfig"] == before


def test_unknown_extension_is_refused_by_the_daemon_before_4_16(make_sim: Callable[..., Simulator]) -> None:
    """Before 4.16 the render controller lets an unknown extension through; the daemon degrades the node.

    Source: openshift/machine-config-operator release-4.15 pkg/daemon/update.go (validateExtensions:
    "invalid extensions found: %v"); release-4.15 pkg/controller/common/helpers.go (no extension check).
    """
    sim = make_sim("4.15.20")
    apply(sim, mc("99-vim", extensions=["vim"]))
    assert condition(sim, "RenderDegraded")["status"] == "False"
    assert sim.run_until(lambda: status(sim)["degradedMachineCount"] == 1, 3600)
    assert "Node " in condition(sim, "NodeDegraded")["message"]
    assert 'is reporting: "invalid extensions found: [vim]"' in condition(sim, "NodeDegraded")["message"]


@pytest.mark.parametrize(("release", "events"), [("4.16.3", False), ("4.19.0", True)])
def test_drain_events_only_from_4_19(make_sim: Callable[..., Simulator], release: str, events: bool) -> None:
    """A drain blocked for more than 10 minutes: a Warning DrainThresholdExceeded event from 4.19 only.

    Source: openshift/machine-config-operator release-4.16 pkg/controller/drain/drain_controller.go (the
    failure is only logged, logNode); release-4.19 same file (Eventf "DrainThresholdExceeded").
    """
    sim = make_sim(release)
    node = sim.nodes_of("worker")[0]
    sim.block_drain(node)
    apply(
        sim,
        mc(
            "99-image",
            osImageURL="quay.io/my-registry/rhcos-hotfix@sha256:"
            "8afaccbbe78087b87335a43c082f78d3f663a1865a92ed709154d29d50eb8010",
        ),
    )
    sim.advance(30 * 60)
    reasons = {e["reason"] for e in sim.store.items(EVENTS)}
    assert ("DrainThresholdExceeded" in reasons) is events


def test_machine_config_node_condition_reasons(make_sim: Callable[..., Simulator]) -> None:
    """A step's reason is its phase's name and its own (UpdateExecutedDrained), except RebootedNode; a phase
    carries the step it is at (UpdateComplete: Uncordoned) or its own name; NodeDegraded its own.

    Source: openshift/machine-config-operator release-4.19 pkg/daemon/update.go, pkg/daemon/drain.go and
    pkg/daemon/daemon.go (upgrademonitor.Condition Reason: fmt.Sprintf("%s%s", phase, step), RebootedNode
    and NodeDegraded with their own names).
    """
    from mcosim.releases import mcn_type

    sim = make_sim("4.19.0")
    apply(
        sim,
        mc(
            "99-image",
            osImageURL="quay.io/my-registry/rhcos-hotfix@sha256:"
            "8afaccbbe78087b87335a43c082f78d3f663a1865a92ed709154d29d50eb8010",
        ),
    )
    assert sim.run_until(lambda: sim.pool_updated("worker"), 4 * 3600)
    rt = mcn_type(sim.shape)
    assert rt is not None
    conditions = {x["type"]: x for x in sim.store.get(rt, sim.nodes_of("worker")[0])["status"]["conditions"]}
    reasons = {
        t: conditions[t]["reason"]
        for t in ("Drained", "Uncordoned", "RebootedNode", "UpdatePrepared", "UpdateComplete", "NodeDegraded")
    }
    assert reasons == {
        "Drained": "UpdateExecutedDrained",
        "Uncordoned": "UpdateCompleteUncordoned",
        "RebootedNode": "RebootedNode",
        "UpdatePrepared": "UpdatePrepared",
        "UpdateComplete": "Uncordoned",
        "NodeDegraded": "NodeDegraded",
    }


def test_v1alpha1_machine_config_nodes_carry_update_compatible(make_sim: Callable[..., Simulator]) -> None:
    """4.15-4.18's v1alpha1 MCNs have the UpdateCompatible step (reason UpdatePreparedUpdateCompatible);
    v1 dropped it.

    Source: openshift/machine-config-operator release-4.16 pkg/daemon/update.go (MachineConfigNodeUpdateCompatible,
    "Update Compatible. Post Cfg Actions %v: Drain Required: %t"); openshift/api release-4.19
    machineconfiguration/v1/types_machineconfignode.go (no UpdateCompatible).
    """
    from mcosim.releases import mcn_type

    for release, feature_set, present in (("4.16.3", "TechPreviewNoUpgrade", True), ("4.19.0", "", False)):
        sim = make_sim(release, feature_set=feature_set)
        apply(
            sim,
            mc(
                "99-image",
                osImageURL="quay.io/my-registry/rhcos-hotfix@sha256:"
                "8afaccbbe78087b87335a43c082f78d3f663a1865a92ed709154d29d50eb8010",
            ),
        )
        assert sim.run_until(partial(sim.pool_updated, "worker"), 4 * 3600)
        rt = mcn_type(sim.shape)
        assert rt is not None
        conditions = {x["type"]: x for x in sim.store.get(rt, sim.nodes_of("worker")[0])["status"]["conditions"]}
        assert ("UpdateCompatible" in conditions) is present
        if present:
            compatible = conditions["UpdateCompatible"]
            assert (compatible["status"], compatible["reason"]) == ("True", "UpdatePreparedUpdateCompatible")
            assert compatible["message"] == "Update Compatible. Post Cfg Actions [reboot]: Drain Required: true"
