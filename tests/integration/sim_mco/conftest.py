"""Simulated clusters in virtual time for the MCO behaviour tests."""

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
        assert sim.engine.errors == []


@pytest.fixture
def sim(make_sim: Callable[..., Simulator]) -> Simulator:
    return make_sim()
