"""Prometheus metrics for `reconciler run` (served with the probes by health.ProbeServer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from .reconcile import PassResult


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.passes = Counter("layering_reconcile_passes", "Reconcile passes by result",
                              ["result"], registry=self.registry)
        self.writes = Counter("layering_writes", "Cluster writes made", registry=self.registry)
        self.duration = Histogram("layering_pass_duration_seconds", "Duration of a pass",
                                  registry=self.registry)
        self.pending = Gauge("layering_pending_changes", "Changes the plan still holds",
                             registry=self.registry)
        self.halted = Gauge("layering_rollout_halted", "1 while the rollout is halted",
                            registry=self.registry)
        self.refused_commits = Counter("layering_commits_refused", "Passes that refused the commit (--verify)",
                                       registry=self.registry)
        self.leader = Gauge("layering_leader", "1 while this replica holds the Lease (leads), 0 on standby",
                            registry=self.registry)
        self.leader.set(1)  # without leader election, the one replica leads

    def set_leader(self, leading: bool) -> None:
        self.leader.set(1 if leading else 0)

    def pass_succeeded(self, result: PassResult, seconds: float) -> None:
        self.passes.labels("success").inc()
        self.writes.inc(len(result.written))
        self.duration.observe(max(seconds, 0.0))
        self.pending.set(len(result.plan.changes))
        self.halted.set(1 if result.decision.halted else 0)

    def pass_failed(self, reason: str) -> None:
        self.passes.labels(reason).inc()
