"""A MachineConfig write re-renders only the pools that select it (before or after the write)."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest

from mcosim import SimConfig, Simulator
from mcosim.resources import MACHINE_CONFIGS


@pytest.fixture()
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(workers=2, pools={"infra": 1, "canary": 1}, clock="virtual", serve_api=False)) as s:
        s.advance(60)
        yield s


def _rendered_after(sim: Simulator, write: object) -> set[str]:
    rendered: set[str] = set()
    original = sim.mco.render.sync

    def record(pool: str) -> None:
        rendered.add(pool)
        original(pool)

    sim.engine.register("render", record)
    with sim.store.lock:
        assert callable(write)
        write()
    sim.advance(30)
    return rendered


def _mc(role: str) -> dict[str, object]:
    return {"metadata": {"name": f"50-{role}-extra", "labels": {"machineconfiguration.openshift.io/role": role}},
            "spec": {"kernelArguments": ["quiet"]}}


def test_a_custom_role_mc_renders_only_that_pool(sim: Simulator) -> None:
    assert _rendered_after(sim, lambda: sim.store.create(MACHINE_CONFIGS, _mc("infra"))) == {"infra"}


def test_a_worker_mc_renders_worker_and_the_pools_inheriting_it(sim: Simulator) -> None:
    assert _rendered_after(sim, lambda: sim.store.create(MACHINE_CONFIGS, _mc("worker"))) == {
        "worker", "infra", "canary"}


def test_relabelling_an_mc_renders_the_pool_it_left(sim: Simulator) -> None:
    with sim.store.lock:
        sim.store.create(MACHINE_CONFIGS, _mc("infra"))
    sim.advance(30)

    def relabel() -> None:
        obj = copy.deepcopy(sim.store.get(MACHINE_CONFIGS, "50-infra-extra"))
        obj["metadata"]["labels"] = {"machineconfiguration.openshift.io/role": "canary"}
        sim.store.update(MACHINE_CONFIGS, obj)

    assert _rendered_after(sim, relabel) == {"infra", "canary"}
