"""Leader election on the simulator's Lease over HTTP, each replica's clock stepped by the test: one
leader at a time, a leader that cannot renew stops writing before its lease can expire, release hands
over at once, and a standby's sync request reaches the leader once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mcosim import SimConfig, Simulator
from reconciler.cluster import Cluster
from reconciler.controller.leader import LeaderCluster, LeaderConfig, LeaderElector, NotLeader


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with Simulator(SimConfig(clock="virtual", masters=1, workers=1)) as sim, \
            Cluster.connect(str(sim.write_kubeconfig(tmp_path / "kubeconfig"))) as connected:
        yield connected


def replica(cluster: Cluster, name: str, clock: Clock) -> LeaderElector:
    return LeaderElector(cluster.lease(), LeaderConfig(name, 15.0, 10.0, 2.0), monotonic=clock)


def test_one_leader_deadline_before_expiry_then_takeover(cluster: Cluster) -> None:
    a_clock, b_clock = Clock(), Clock()
    a, b = replica(cluster, "a", a_clock), replica(cluster, "b", b_clock)
    a.step()
    b.step()
    assert a.is_leader and not b.is_leader
    guarded = LeaderCluster(cluster, a)
    guarded.set_pool_paused("worker", False)  # the leader writes

    a_clock.now += 9.9  # a could not renew (it did not step): still inside its renew deadline
    b_clock.now += 9.9
    b.step()
    assert a.is_leader and not b.is_leader
    a_clock.now += 0.2  # past the deadline: a stops writing ...
    assert not a.is_leader
    with pytest.raises(NotLeader, match="MachineConfigPool/worker: not written: a does not hold the Lease"):
        guarded.set_pool_paused("worker", True)
    b_clock.now += 4.9  # ... while the lease (15 s from when b saw it renewed) has not expired for b
    b.step()
    assert not b.is_leader
    b_clock.now += 0.2
    b.step()
    assert b.is_leader
    lease = cluster.lease().get()
    assert lease is not None and lease.holder == "b" and lease.transitions == 2
    a.step()  # a sees b's record: standby, whatever its clock says
    assert not a.is_leader


def test_renewals_keep_the_lease_and_release_hands_over_at_once(cluster: Cluster) -> None:
    a_clock, b_clock = Clock(), Clock()
    a, b = replica(cluster, "a", a_clock), replica(cluster, "b", b_clock)
    a.step()
    for _ in range(20):  # 40 s of renewals every retry period
        a_clock.now += 2.0
        b_clock.now += 2.0
        a.step()
        b.step()
        assert a.is_leader and not b.is_leader
    a.release()
    assert not a.is_leader
    b.step()  # no waiting for the lease duration
    assert b.is_leader


def test_a_standby_sync_request_reaches_the_leader_once(cluster: Cluster) -> None:
    a_clock, b_clock = Clock(), Clock()
    a, b = replica(cluster, "a", a_clock), replica(cluster, "b", b_clock)
    asked: list[str] = []
    a.on_request = lambda: asked.append("a")
    b.on_request = lambda: asked.append("b")
    a.step()
    b.step()
    a.step()
    assert asked == []  # no request yet
    b.request_sync()
    a_clock.now += 0.5
    a.step()
    b.step()
    a.step()
    assert asked == ["a"]  # the leader acts once; the standby never
    lease = cluster.lease().get()
    assert lease is not None and lease.holder == "a" and lease.requested_at


def test_timings_follow_client_go_rules() -> None:
    assert LeaderConfig("a").problems() == []
    assert LeaderConfig("a", 10.0, 10.0, 2.0).problems() == ["--lease-duration must be longer than --renew-deadline"]
    assert LeaderConfig("a", 15.0, 2.0, 2.0).problems() == ["--renew-deadline must be longer than --retry-period"]
    assert LeaderConfig("").problems() == ["--identity: must not be empty"]
