"""Without MachineConfigNodes, why a drain waits: the pod a PodDisruptionBudget allowing no disruption guards."""

from __future__ import annotations

from typing import Any

from reconciler.cluster.nodes import drain_pending, pdb_blocks

MCO = "machineconfiguration.openshift.io"


def pod(name: str, namespace: str, **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace, "labels": labels}}


def pdb(name: str, namespace: str, allowed: int, **selector: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace}, "spec": {"selector": {"matchLabels": selector}},
            "status": {"disruptionsAllowed": allowed}}


def test_the_first_guarded_pod_names_the_budget() -> None:
    pods = [pod("web-1", "shop", app="web"), pod("db-0", "shop", app="db")]
    budgets = [pdb("web", "shop", 1, app="web"), pdb("db", "shop", 0, app="db"), pdb("x", "other", 0, app="web")]
    assert pdb_blocks(pods, budgets) == (
        'error when evicting pods/"db-0" -n "shop": Cannot evict pod as it would violate the pod\'s disruption '
        "budget (PodDisruptionBudget shop/db allows no disruption)"
    )


def test_no_budget_at_zero_no_reason() -> None:
    assert pdb_blocks([pod("web-1", "shop", app="web")], [pdb("web", "shop", 1, app="web")]) == ""
    assert pdb_blocks([pod("web-1", "shop", app="web")], [pdb("db", "shop", 0, app="db")]) == ""


def test_drain_pending_only_between_request_and_completion() -> None:
    def node(desired: str, applied: str) -> dict[str, Any]:
        return {"metadata": {"annotations": {f"{MCO}/desiredDrain": desired, f"{MCO}/lastAppliedDrain": applied}}}

    assert drain_pending(node("drain-rendered-b", "uncordon-rendered-a"))
    assert not drain_pending(node("drain-rendered-b", "drain-rendered-b"))
    assert not drain_pending(node("uncordon-rendered-b", "drain-rendered-b"))
