"""Liveness fails only when no pass started for several scheduled waits; readiness follows whether the
last pass could read git and the cluster. The probes answer over HTTP beside /metrics."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from prometheus_client import CollectorRegistry, Counter

from reconciler.controller.health import MIN_STUCK_SECONDS, Health, ProbeServer
from reconciler.errors import Blocked, Conflict, InvalidInput, SourceError, Transient


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def live(health: Health) -> bool:
    return all(check.ok for check in health.liveness())


def ready(health: Health) -> bool:
    return all(check.ok for check in health.readiness())


def test_liveness_fails_only_after_several_waits_without_a_pass() -> None:
    clock = FakeClock()
    health = Health(interval=600, clock=clock)
    clock.now += 3 * 600
    assert live(health)  # three intervals since the loop started: still alive
    clock.now += 1
    assert not live(health)
    assert health.liveness()[0].line() == "[-]loop failed: no pass started for 1801s (stuck after 1800s)"
    health.pass_started()
    assert live(health)


def test_a_long_backoff_is_not_stuck() -> None:
    clock = FakeClock()
    health = Health(interval=60, clock=clock)
    health.pass_started()
    health.next_pass_in(600)  # backing off after failures
    clock.now += 1799
    assert live(health)
    health.next_pass_in(5)  # never shorter than the interval
    assert health.stuck_after() == max(3 * 60, MIN_STUCK_SECONDS)


def test_short_intervals_still_allow_a_slow_git_fetch() -> None:
    clock = FakeClock()
    health = Health(interval=1, clock=clock)
    health.pass_started()
    clock.now += MIN_STUCK_SECONDS
    assert live(health)
    clock.now += 1
    assert not live(health)


def test_readiness_follows_what_the_last_pass_could_read() -> None:
    health = Health(interval=60, clock=FakeClock())
    assert [c.line() for c in health.readiness()] == [
        "[-]git failed: no pass has finished yet", "[-]cluster failed: no pass has finished yet"]
    health.pass_succeeded()
    assert ready(health)
    health.pass_failed(SourceError("https://git.example.com/b.git: cannot fetch: remote unreachable"))
    assert [c.line() for c in health.readiness()] == [
        "[-]git failed: https://git.example.com/b.git: cannot fetch: remote unreachable", "[+]cluster ok"]
    health.pass_failed(InvalidInput(["bindings/w.yaml:3:1: unknown field", "bindings/w.yaml:4:1: bad"]))
    assert ready(health)  # git was read; the commit is wrong, which a restart would not fix
    health.pass_failed(Transient("machineconfigpools: cannot reach the API server"))
    assert [c.line() for c in health.readiness()] == [
        "[+]git ok", "[-]cluster failed: machineconfigpools: cannot reach the API server"]
    health.pass_failed(Blocked("MachineConfigPool/x: unknown pool"))
    assert ready(health)
    health.pass_failed(Conflict("MachineConfig/99-layering-worker: conflict", 409, "Conflict"))
    assert not ready(health)
    health.pass_succeeded()
    assert ready(health)


@pytest.fixture
def probes() -> ProbeServer:
    registry = CollectorRegistry()
    Counter("layering_test", "a test counter", registry=registry).inc()
    return ProbeServer(registry, Health(interval=60), 0, "127.0.0.1").start()


def get(server: ProbeServer, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=5) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_one_server_answers_metrics_healthz_and_readyz(probes: ProbeServer) -> None:
    try:
        status, body = get(probes, "/metrics")
        assert status == 200 and "layering_test_total 1.0" in body
        assert get(probes, "/healthz") == (200, "[+]loop ok\nhealthz check passed\n")
        assert get(probes, "/readyz")[0] == 503
        probes.health.pass_succeeded()
        assert get(probes, "/readyz?verbose") == (200, "[+]git ok\n[+]cluster ok\nreadyz check passed\n")
        assert get(probes, "/other")[0] == 404
    finally:
        probes.stop()


def test_a_port_in_use_is_a_clear_error(probes: ProbeServer) -> None:
    try:
        with pytest.raises(InvalidInput, match=rf"^--metrics-port {probes.port}: cannot listen on 127.0.0.1:"):
            ProbeServer(CollectorRegistry(), Health(interval=60), probes.port, "127.0.0.1")
    finally:
        probes.stop()
