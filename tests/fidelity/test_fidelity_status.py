"""Pool status fields and conditions as the node controller writes them."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fidelity_kit import BAD_IMAGE, apply, condition, mc, status

from mcosim import Simulator


def test_degraded_condition_has_no_reason_or_message(make_sim: Callable[..., Simulator]) -> None:
    """Degraded=True says nothing itself; RenderDegraded / NodeDegraded carry the text.

    Source: openshift/machine-config-operator release-4.14, release-4.16 and release-4.19
    pkg/controller/node/status.go (calculateStatus: MachineConfigPoolDegraded with "" reason and message).
    """
    sim = make_sim()
    apply(sim, mc("99-kt", kernelType="turbo"))
    degraded = condition(sim, "Degraded")
    assert (degraded["status"], degraded["reason"], degraded["message"]) == ("True", "", "")


def test_node_degraded_reason_and_message(make_sim: Callable[..., Simulator]) -> None:
    """NodeDegraded: reason "<n> nodes are reporting degraded status on sync", message
    `Node <name> is reporting: "<reason annotation>"`; degradedMachineCount counts it.

    Source: openshift/machine-config-operator release-4.16 pkg/controller/node/status.go (calculateStatus,
    getDegradedMachines).
    """
    sim = make_sim()
    apply(sim, mc("99-bad", osImageURL=BAD_IMAGE))
    assert sim.run_until(lambda: status(sim)["degradedMachineCount"] == 1, 3600)
    node = next(n for n in sim.nodes_of("worker") if sim.node_annotations(n)["state"] == "Degraded")
    reason = sim.node_annotations(node)["reason"]
    degraded = condition(sim, "NodeDegraded")
    assert degraded["reason"] == "1 nodes are reporting degraded status on sync"
    assert degraded["message"] == f"Node {node} is reporting: {json.dumps(reason)}"
    assert status(sim)["unavailableMachineCount"] == 1  # cordoned: not ready


@pytest.mark.parametrize(
    ("release", "feature_set", "synchronizers"),
    [("4.15.20", "", False), ("4.16.3", "", False), ("4.16.3", "TechPreviewNoUpgrade", True), ("4.19.0", "", True)],
)
def test_cert_expirys_always_and_pool_synchronizers_with_pinned_images(
    make_sim: Callable[..., Simulator], release: str, feature_set: str, synchronizers: bool
) -> None:
    """certExpirys is always written (KubeAPIServerServingCAData signers); poolSynchronizersStatus only where
    the PinnedImages gate is on (tech preview 4.16-4.18, default from 4.19).

    Source: openshift/machine-config-operator release-4.16 pkg/controller/node/status.go (calculateStatus);
    openshift/api release-4.16 machineconfiguration/v1/types.go (certExpirys not omitempty,
    poolSynchronizersStatus omitempty); openshift/api release-4.16/4.19 features/features.go (PinnedImages).
    """
    sim = make_sim(release, feature_set=feature_set)
    pool = status(sim)
    assert pool["certExpirys"] and {e["bundle"] for e in pool["certExpirys"]} == {"KubeAPIServerServingCAData"}
    assert ("poolSynchronizersStatus" in pool) is synchronizers
    if synchronizers:
        sync = pool["poolSynchronizersStatus"][0]
        assert sync["poolSynchronizerType"] == "PinnedImageSets"
        assert sync["machineCount"] == sync["availableMachineCount"] == 2
