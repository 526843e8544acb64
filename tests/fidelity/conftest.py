"""Fidelity tests: each states one simulated behaviour and, in its docstring, the real source it follows.

The next difference found between mcosim and a real cluster is a one-test change here (and a row in
docs/simulator.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mcosim import SimConfig, Simulator


@pytest.fixture
def make_sim() -> Iterator[Callable[..., Simulator]]:
    """Small in-process clusters in virtual time; every one must end with no controller or API error."""
    sims: list[Simulator] = []

    def make(release: str = "4.16.3", **kwargs: Any) -> Simulator:
        options: dict[str, Any] = {"clock": "virtual", "serve_api": False, "masters": 1, "workers": 2}
        sim = Simulator(SimConfig(release=release, **{**options, **kwargs})).start()
        sims.append(sim)
        return sim

    yield make
    for sim in sims:
        sim.stop()
        assert sim.errors == []
