"""Release-shaped API: which MachineConfigNode version a default cluster of each release serves."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from mcosim import Simulator

MCO = "machineconfiguration.openshift.io"


def get(sim: Simulator, path: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(sim.url + path, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as err:
        return err.code, None


def served_mcn_versions(sim: Simulator) -> list[str]:
    _, group = get(sim, f"/apis/{MCO}")
    versions = []
    for entry in group["versions"]:
        _, resources = get(sim, f"/apis/{MCO}/{entry['version']}")
        if any(r["name"] == "machineconfignodes" for r in resources["resources"]):
            versions.append(entry["version"])
    return versions


@pytest.mark.parametrize("release", ["4.14.0", "4.15.20", "4.16.3", "4.18.1"])
def test_no_machine_config_nodes_before_4_19(make_sim: Callable[..., Simulator], release: str) -> None:
    """A default 4.14-4.18 cluster has no MachineConfigNode API at all: discovery lists none, reads are 404.

    Source: openshift/api release-4.16..4.18 features/features.go (MachineConfigNodes enabled in
    DevPreviewNoUpgrade and TechPreviewNoUpgrade only); release-4.15 config/v1/feature_gates.go;
    release-4.14 has no MachineConfigNode type.
    """
    sim = make_sim(release, serve_api=True)
    assert served_mcn_versions(sim) == []
    assert get(sim, f"/apis/{MCO}/v1/machineconfignodes")[0] == 404
    assert get(sim, f"/apis/{MCO}/v1alpha1/machineconfignodes")[0] == 404


def test_tech_preview_serves_v1alpha1_machine_config_nodes(make_sim: Callable[..., Simulator]) -> None:
    """TechPreviewNoUpgrade on 4.15-4.18 serves MachineConfigNodes at v1alpha1 only.

    Source: openshift/api release-4.16 machineconfiguration/v1alpha1/types_machineconfignode.go and
    features/features.go (MachineConfigNodes: TechPreviewNoUpgrade).
    """
    sim = make_sim("4.16.3", serve_api=True, feature_set="TechPreviewNoUpgrade")
    assert served_mcn_versions(sim) == ["v1alpha1"]
    code, listed = get(sim, f"/apis/{MCO}/v1alpha1/machineconfignodes")
    assert code == 200 and {m["apiVersion"] for m in listed["items"]} == {f"{MCO}/v1alpha1"}
    assert len(listed["items"]) == 3  # one per node
    assert get(sim, f"/apis/{MCO}/v1/machineconfignodes")[0] == 404


def test_tech_preview_on_4_14_still_has_none(make_sim: Callable[..., Simulator]) -> None:
    """4.14 had no MachineConfigNode API in any feature set.

    Source: openshift/api release-4.14 (no machineconfiguration/v1alpha1 MachineConfigNode) .
    """
    sim = make_sim("4.14.0", serve_api=True, feature_set="TechPreviewNoUpgrade")
    assert served_mcn_versions(sim) == []


def test_v1_machine_config_nodes_from_4_19(make_sim: Callable[..., Simulator]) -> None:
    """From 4.19 MachineConfigNodes are on by default at v1.

    Source: openshift/api release-4.19 features/features.go (MachineConfigNodes enabled in Default) and
    machineconfiguration/v1/types_machineconfignode.go.
    """
    sim = make_sim("4.19.0", serve_api=True)
    assert served_mcn_versions(sim) == ["v1"]
    code, listed = get(sim, f"/apis/{MCO}/v1/machineconfignodes")
    assert code == 200 and len(listed["items"]) == 3


def test_unsupported_release_is_refused() -> None:
    """The simulator models 4.14-4.19; anything else is refused rather than shaped wrongly."""
    from mcosim.releases import ReleaseError, ReleaseShape

    with pytest.raises(ReleaseError, match=r"models 4\.14 to 4\.19"):
        ReleaseShape("4.13.0")
