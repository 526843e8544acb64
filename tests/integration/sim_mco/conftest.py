"""Simulated clusters in virtual time for the MCO behaviour tests, on a release without
MachineConfigNodes (4.16.3, the default) and on one with v1 MachineConfigNodes (4.19.0)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mcosim import SimConfig, Simulator


@pytest.fixture
def make_sim() -> Iterator[Callable[..., Simulator]]:
    sims: list[Simulator] = []

    def make(**kwargs: Any) -> Simulator:
        sim = Simulator(SimConfig(clock="virtual", serve_api=False, **kwargs)).start()
        sims.append(sim)
        return sim

    yield make
    for sim in sims:
        sim.stop()
        assert sim.errors == []


@pytest.fixture(params=["4.16.3", "4.19.0"])
def sim(make_sim: Callable[..., Simulator], request: pytest.FixtureRequest) -> Simulator:
    return make_sim(release=request.param)
