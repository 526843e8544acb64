"""A pass reads the repository and the cluster side by side (the API server answers while git runs),
and still reports a repository problem before a cluster one."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from recon_world import World, binding_yaml
from test_recon_safety import closed_port
from testkit import HOTFIX1

from reconciler.cluster import Cluster
from reconciler.controller.reconcile import Reconciler
from reconciler.errors import ClusterError, SourceError
from reconciler.model import LiveState, Snapshot
from reconciler.source import GitSource

MEET_SECONDS = 10.0


class Meeting:
    """Each side waits until the other has started: a sequential read never gets past the first wait."""

    def __init__(self) -> None:
        self.cluster_started, self.source_started = threading.Event(), threading.Event()


class MeetingCluster:
    """The real cluster; read_live first waits for the snapshot to have started."""

    def __init__(self, cluster: Cluster, meeting: Meeting) -> None:
        self._cluster, self._meeting = cluster, meeting

    def read_live(self, now: float, every_node: bool = False) -> LiveState:
        self._meeting.cluster_started.set()
        assert self._meeting.source_started.wait(MEET_SECONDS), "the snapshot never started"
        return self._cluster.read_live(now, every_node)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cluster, name)


class MeetingSource:
    """The real git source; snapshot first waits for the cluster read to have started."""

    def __init__(self, source: GitSource, meeting: Meeting) -> None:
        self._source, self._meeting = source, meeting

    def snapshot(self, ref: str | None = None) -> Snapshot:
        self._meeting.source_started.set()
        assert self._meeting.cluster_started.wait(MEET_SECONDS), "the cluster read never started"
        return self._source.snapshot(ref)


def test_the_repository_and_the_cluster_are_read_side_by_side(world: World) -> None:
    world.repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", HOTFIX1))
    commit = world.repo.commit("Bind worker")
    meeting = Meeting()
    source = MeetingSource(GitSource(str(world.repo.path), cache_dir=world.cache), meeting)
    reconciler = Reconciler(source, MeetingCluster(world.cluster, meeting), None, world.sim.clock.now)
    result = reconciler.decide()
    assert result.plan.commit == commit
    assert {p.name for p in result.live.pools} >= {"worker", "master"}


def test_a_repository_problem_is_reported_before_an_unreachable_cluster(world: World, tmp_path: Path) -> None:
    kubeconfig = world.sim.write_kubeconfig(tmp_path / "kubeconfig")
    kubeconfig.write_text(kubeconfig.read_text().replace(world.sim.url, f"http://127.0.0.1:{closed_port()}"))
    with Cluster.connect(str(kubeconfig)) as unreachable:
        with pytest.raises(ClusterError):
            unreachable.read_live(0.0)
        missing = GitSource(str(tmp_path / "no-such-repo"), cache_dir=world.cache)
        with pytest.raises(SourceError, match="no such directory"):
            Reconciler(missing, unreachable, None, world.sim.clock.now).decide()
