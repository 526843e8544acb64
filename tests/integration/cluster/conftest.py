"""Fixtures: the world of cluster_world.py over HTTP, and a Cluster connected to it by kubeconfig,
each test run twice: over the light transport (the standard library) and over the kubernetes client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cluster_world import World, start_world

from reconciler.cluster import Cluster


@pytest.fixture(params=["auto", "client"], ids=["light", "client"])
def world(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[World]:
    started, server = start_world(tmp_path, request.param)
    try:
        yield started
    finally:
        server.stop()


@pytest.fixture
def cluster(world: World) -> Iterator[Cluster]:
    with world.connect() as connected:
        yield connected
