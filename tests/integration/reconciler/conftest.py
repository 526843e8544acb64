"""Fixtures: a small simulated cluster in virtual time, a bindings repository, and the world joining them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from recon_world import BindingsRepo, World

from mcosim import SimConfig, Simulator
from reconciler.cluster import Cluster


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    """4.16.3 (no MachineConfigNodes); `@pytest.mark.parametrize("sim", [...], indirect=True)` picks others."""
    release = getattr(request, "param", "4.16.3")
    config = SimConfig(clock="virtual", masters=1, workers=2, pools={"canary": 1}, release=release)
    with Simulator(config) as started:
        yield started
    assert started.errors == []


@pytest.fixture
def world(sim: Simulator, tmp_path: Path) -> Iterator[World]:
    kubeconfig = sim.write_kubeconfig(tmp_path / "kubeconfig")
    with Cluster.connect(str(kubeconfig)) as cluster:
        yield World(sim, cluster, BindingsRepo(tmp_path / "bindings"), tmp_path / "cache")
    assert sim.errors == []
