"""Helpers for the fidelity tests: MachineConfigs, pool conditions, waiting in simulated time."""

from __future__ import annotations

from typing import Any

from mcosim import Simulator
from mcosim.resources import MACHINE_CONFIGS, POOLS

ROLE = "machineconfiguration.openshift.io/role"
HOTFIX = "quay.io/my-registry/rhcos-hotfix@sha256:8afaccbbe78087b87335a43c082f78d3f663a1865a92ed709154d29d50eb8010"
BAD_IMAGE = "quay.io/my-registry/rhcos-hotfix@sha256:" + "0" * 61 + "bad"


def mc(name: str, role: str = "worker", annotations: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": {ROLE: role}}
    if annotations:
        meta["annotations"] = annotations
    return {
        "apiVersion": "machineconfiguration.openshift.io/v1",
        "kind": "MachineConfig",
        "metadata": meta,
        "spec": spec,
    }


def apply(sim: Simulator, obj: dict[str, Any]) -> None:
    """Create an MC and run past the render delay."""
    sim.store.create(MACHINE_CONFIGS, obj)
    sim.advance(10)


def condition(sim: Simulator, ctype: str, pool: str = "worker") -> dict[str, Any]:
    conds = sim.store.get(POOLS, pool)["status"]["conditions"]
    return dict(next(c for c in conds if c["type"] == ctype))


def status(sim: Simulator, pool: str = "worker") -> dict[str, Any]:
    return dict(sim.store.get(POOLS, pool)["status"])


def target(sim: Simulator, pool: str = "worker") -> str:
    return str(sim.store.get(POOLS, pool)["spec"]["configuration"]["name"])


def rendered(sim: Simulator, pool: str = "worker") -> dict[str, Any]:
    return dict(sim.store.get(MACHINE_CONFIGS, target(sim, pool))["spec"])
