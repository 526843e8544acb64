"""Fixtures: a user's environment for CLI subprocesses, and a simulated cluster served by this process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import Cli, LocalSim

from mcosim import SimConfig, Simulator


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "home", tmp_path)


@pytest.fixture
def local_sim(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LocalSim]:
    """4.16.3 (no MachineConfigNodes) unless parametrized indirectly with another release."""
    release = getattr(request, "param", "4.16.3")
    config = SimConfig(clock="virtual", masters=1, workers=2, pools={"canary": 1}, release=release)
    with Simulator(config) as sim:
        yield LocalSim(sim, sim.write_kubeconfig(tmp_path / "kubeconfig"))
        assert sim.errors == []
