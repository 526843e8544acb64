"""A bug in a request handler answers 500 like an API server and is kept in ApiServer.errors, the way the
engine keeps controller failures, so every fixture can assert that none happened."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from mcosim import SimConfig, Simulator
from mcosim.api import ApiServer
from mcosim.clock import VirtualClock
from mcosim.store import Store


def broken_admin(method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
    raise KeyError("no such node")  # what a bug in an admin handler looks like


def test_a_failing_handler_answers_500_and_is_recorded() -> None:
    server = ApiServer(Store(VirtualClock()), admin=broken_admin)
    server.start()
    try:
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(server.url + "/sim/rpm-ostree-status?node=x", timeout=10)
        body = json.loads(caught.value.read())
        assert caught.value.code == 500 and body["reason"] == "InternalError"
        assert "KeyError" in body["message"]
        assert server.errors == ["GET /sim/rpm-ostree-status?node=x: KeyError('no such node')"]
    finally:
        server.stop()


def test_simulator_errors_join_controller_and_api_failures() -> None:
    with Simulator(SimConfig(clock="virtual", masters=1, workers=1)) as sim:
        assert sim.errors == []
        sim.engine.errors.append("render worker: boom")
        sim.api.errors.append("GET /x: boom")
        assert sim.errors == ["render worker: boom", "GET /x: boom"]
