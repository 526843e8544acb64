"""Fixtures: a small simulated cluster served over real HTTP, and kubectl pointed at it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from simapi_cluster import Kubectl, kubectl_env, seed
from testkit import kubectl_binary

from mcosim.api import ApiServer
from mcosim.clock import VirtualClock
from mcosim.kubeconfig import write_kubeconfig
from mcosim.store import Store


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def store(clock: VirtualClock) -> Store:
    store = Store(clock)
    seed(store)
    return store


@pytest.fixture
def server(store: Store) -> Iterator[ApiServer]:
    api = ApiServer(store)
    api.start()
    yield api
    api.stop()
    assert api.errors == [], "a request handler failed (answered 500)"


@pytest.fixture
def kubeconfig(server: ApiServer, tmp_path: Path) -> Path:
    path = tmp_path / "kubeconfig"
    write_kubeconfig(path, server.url)
    return path


@pytest.fixture
def kubectl(kubeconfig: Path, tmp_path: Path) -> Kubectl:
    binary = kubectl_binary()
    env = kubectl_env(tmp_path)

    def run(*args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run([binary, "--kubeconfig", str(kubeconfig), *args], input=stdin, env=env,
                              capture_output=True, text=True, timeout=timeout, check=False)

    return run
