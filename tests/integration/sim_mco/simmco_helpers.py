"""Shared data and helpers for the simulated-MCO tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcosim import Simulator
from mcosim.resources import MACHINE_CONFIGS, POOLS

ROLE = "machineconfiguration.openshift.io/role"
HOTFIX1 = (
    "quay.io/my-registry/rhcos-hotfix@sha256:8afaccbbe78087b87335a43c082f78d3f663a1865a92ed709154d29d50eb8010"
)
HOTFIX2 = (
    "quay.io/my-registry/rhcos-hotfix@sha256:5ddc31f7c91d7f7eb845343f3c71bec85023eacd34ed6c658f2ba6e68a842edb"
)
RT_IMAGE = (
    "quay.io/my-registry/rhcos-rt@sha256:16622f5d3c00494b99db2347d1840b1cef5c042a353b6cad4763e123b087b94c"
)
USBGUARD_IMAGE = (
    "quay.io/my-registry/rhcos-usbguard@sha256:afa383d821ddf6d611e08970038d8e0623c738d58a60927ae821d39690d6a6ed"
)
BAD_IMAGE = "quay.io/my-registry/rhcos-hotfix@sha256:" + "0" * 61 + "bad"


def layer_mc(image: str, role: str = "worker", name: str = "os-layer-custom", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "machineconfiguration.openshift.io/v1",
        "kind": "MachineConfig",
        "metadata": {"name": name, "labels": {ROLE: role}},
        "spec": {"osImageURL": image, **spec},
    }


def target(sim: Simulator, pool: str) -> str:
    return str(sim.store.get(POOLS, pool)["spec"]["configuration"]["name"])


def current(sim: Simulator, pool: str) -> str | None:
    return (sim.store.get(POOLS, pool).get("status", {}).get("configuration") or {}).get("name")


def condition(sim: Simulator, pool: str, ctype: str) -> dict[str, Any]:
    conds = sim.store.get(POOLS, pool)["status"]["conditions"]
    return next(c for c in conds if c["type"] == ctype)


def rolled_out(sim: Simulator, pool: str) -> Callable[[], bool]:
    return lambda: sim.pool_updated(pool) and current(sim, pool) == target(sim, pool)


def apply_mc(sim: Simulator, mc: dict[str, Any]) -> None:
    sim.store.create(MACHINE_CONFIGS, mc)
    sim.advance(6)  # past the render delay
