"""A simulated cluster serving HTTPS (service-account tokens), with deploy/ installed or not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mcosim import SimConfig, Simulator


@pytest.fixture
def sim() -> Iterator[Simulator]:
    config = SimConfig(clock="virtual", masters=1, workers=2, pools={"canary": 1}, tls_port=0)
    with Simulator(config) as started:
        yield started
        assert started.errors == []
