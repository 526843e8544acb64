"""`reconciler run`: one full pass per tick on apscheduler, backoff after failures, clean SIGTERM,
probes and metrics on one port, one log line per write and per pass (with JSON fields).

With leader election only the leader runs passes. A webhook, a sync request seen on the Lease or a
change the watch cache reports moves the next pass to now, and requests that arrive during a pass
coalesce into one more pass. Polling stays as the safety net, each wait jittered by ±10 %.
"""

from __future__ import annotations

import contextlib
import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from reconciler.cluster.port import Following
from reconciler.errors import ReconcilerError, UntrustedCommit
from reconciler.logs import fields
from reconciler.model import Change, Verb, mc_name_for_pool
from reconciler.report import change_line

from .health import Health, ProbeServer
from .leader import LeaderElector, NotLeader
from .metrics import Metrics
from .reconcile import PassResult, Reconciler
from .webhook import WebhookServer

log = logging.getLogger("reconciler")
FIRST_RETRY = 5.0
MAX_BACKOFF = 600.0
JOB_ID = "reconcile"
JITTER = 0.1
FOLLOW_SECONDS = 3.0  # while a rollout is under way, the next pass comes this soon (as `sync --wait`)
RELEASE_WAIT = 30.0  # on SIGTERM, how long the Lease is kept for the pass that is still writing
REFUSAL_SUBJECT = ("ConfigMap", "layering-reconciler-state")  # the reconciler's own state object


@dataclass
class Loop:
    reconciler: Reconciler
    interval: float
    metrics: Metrics = field(default_factory=Metrics)
    failures: int = 0
    last_outcome: tuple[str, str] = ("", "")
    last_refused: str = ""  # the commit --verify refused last (one Event per refused commit)
    leader: LeaderElector | None = None  # None: no leader election, this process is the only writer
    rolling: bool = False  # the last pass left a rollout under way (not done, not halted)

    def __post_init__(self) -> None:
        self.scheduler = BlockingScheduler(timezone="UTC", job_defaults={"max_instances": 1, "coalesce": True})
        self.stopping = threading.Event()
        self.health = Health(self.interval)
        self.following = False  # reads come from a watch cache (after the first good follow)
        self.requested = threading.Event()  # a pass was asked for (webhook, sync request, election, watch)
        self.in_pass = threading.Lock()

    @property
    def is_leader(self) -> bool:
        """Whether this replica runs passes (always, without leader election); health checks read it."""
        return self.leader is None or self.leader.is_leader

    def tick(self) -> None:
        if self.stopping.is_set() or not self.is_leader:
            return  # a standby runs no passes
        with self.in_pass:
            self.requested.clear()
            self._pass()
        if self.requested.is_set():
            self.trigger()  # requests that came during the pass: one more pass
        elif not self.failures:
            self._jitter(min(self.interval, FOLLOW_SECONDS) if self.rolling else self.interval)

    def trigger(self) -> None:
        """Run a pass now (or right after the running one)."""
        self.requested.set()
        if self.stopping.is_set() or self.in_pass.locked():
            return
        with contextlib.suppress(JobLookupError):  # not scheduled yet: the first pass runs at once anyway
            self.scheduler.modify_job(JOB_ID, next_run_time=datetime.now().astimezone())

    wake = trigger  # what the watch cache calls on a change that matters

    def _jitter(self, seconds: float) -> None:
        """The next pass in `seconds` ±10 %."""
        if self.stopping.is_set():
            return
        wait = seconds * random.uniform(1 - JITTER, 1 + JITTER)
        self.health.next_pass_in(wait)
        with contextlib.suppress(JobLookupError):
            self.scheduler.modify_job(JOB_ID, next_run_time=datetime.now().astimezone() + timedelta(seconds=wait))

    def _follow(self) -> None:
        """Once: read the cluster through watches; raises like a read (the pass fails, is retried)."""
        cluster = self.reconciler.cluster
        if not self.following and isinstance(cluster, Following):
            cluster.follow(self.wake)
            self.following = True

    def _pass(self) -> None:
        self.health.pass_started()
        started, wall = self.reconciler.clock(), time.monotonic()
        try:
            self._follow()
            result = self.reconciler.reconcile(stop=self.stopping)
        except NotLeader as exc:
            log.warning("pass stopped: %s", exc)
            return
        except ReconcilerError as exc:
            if self.stopping.is_set():  # e.g. a git child process got the same SIGTERM: nothing was written
                log.info("pass interrupted by the shutdown: %s", exc)
                return
            if isinstance(exc, UntrustedCommit):
                self._refused(exc)
            self.failures += 1
            self.last_outcome = ("", "")  # the next good pass is news
            delay = self.backoff()
            self.health.pass_failed(exc)
            log.error("pass failed (%s); nothing deleted; retrying in %.0fs: %s", type(exc).__name__, delay, exc,
                      extra=fields(error=type(exc).__name__, retry_seconds=delay,
                                   duration_seconds=round(time.monotonic() - wall, 3)))
            self.metrics.pass_failed(type(exc).__name__)
            self._reschedule(delay)
            return
        self.health.pass_succeeded()
        if self.failures:
            self.failures = 0
            self._reschedule(self.interval)
        self.metrics.pass_succeeded(result, self.reconciler.clock() - started)
        self.rolling = not result.decision.done and not result.decision.halted
        self._log_pass(result, round(time.monotonic() - wall, 3))

    def _log_pass(self, result: PassResult, seconds: float) -> None:
        commit = result.plan.commit
        for change in result.changes:
            log.info("%s", change_line(change), extra=fields(commit=commit, **change_fields(change)))
        # one line per pass that changed something; a steady state is logged once, then at debug level
        steady = not result.changes and (commit, result.decision.summary) == self.last_outcome
        self.last_outcome = (commit, result.decision.summary)
        log.log(logging.DEBUG if steady else logging.INFO, "pass commit=%s changes=%d writes=%d %s",
                commit[:12], len(result.plan.changes), len(result.written), result.decision.summary,
                extra=fields(commit=commit, changes=len(result.plan.changes), writes=len(result.written),
                             summary=result.decision.summary, halted=result.decision.halted,
                             duration_seconds=seconds))

    def _refused(self, exc: UntrustedCommit) -> None:
        """Logged on every pass; one Warning Event per refused commit; counted in a metric."""
        log.error("commit %s refused by --verify: the cluster is kept as it is", exc.commit[:12])
        self.metrics.refused_commits.inc()
        if exc.commit != self.last_refused:
            self.last_refused = exc.commit
            self.reconciler.cluster.record_event(*REFUSAL_SUBJECT, "LayeringCommitRefused", str(exc),
                                                 "Warning", namespace=self.reconciler.cluster.namespace)

    def backoff(self) -> float:
        """The wait after the n-th failed pass in a row: it starts at FIRST_RETRY (or the interval when
        shorter) and doubles, up to MAX_BACKOFF (or the interval when longer)."""
        first = min(FIRST_RETRY, self.interval)
        return float(min(max(MAX_BACKOFF, self.interval), first * 2 ** (self.failures - 1)))

    def _reschedule(self, delay: float) -> None:
        if self.stopping.is_set():  # the scheduler is shutting down: there is no next pass to move
            return
        self.health.next_pass_in(delay)
        self.scheduler.reschedule_job(JOB_ID, trigger=IntervalTrigger(seconds=self.interval))
        self.scheduler.modify_job(JOB_ID, next_run_time=datetime.now().astimezone() + timedelta(seconds=delay))

    def stop(self, *_: object) -> None:
        if self.stopping.is_set():  # a second SIGTERM (or Ctrl-C) while stopping: already on the way out
            return
        log.info("stopping after the current write")
        self.stopping.set()
        self.scheduler.shutdown(wait=False)

    def run(self) -> int:
        self.scheduler.add_job(self.tick, IntervalTrigger(seconds=self.interval), id=JOB_ID,
                               next_run_time=datetime.now().astimezone())
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.scheduler.start()
        return 0


# a change's `action` log field, in the plan's words (`plan -o json` actions)
_ACTIONS = {Verb.CREATED: "create", Verb.UPDATED: "update", Verb.DELETED: "delete", Verb.RESTORED: "rollback",
            Verb.PAUSED: "pause", Verb.UNPAUSED: "unpause", Verb.UNCHANGED: "unchanged", Verb.SKIPPED: "skip"}


def change_fields(change: Change) -> dict[str, str]:
    """The log fields of one change: action, pool and MachineConfig."""
    action = _ACTIONS[change.verb]
    if change.kind == "MachineConfigPool":
        return {"action": action, "pool": change.name}
    return {"action": action, "pool": change.name.removeprefix(mc_name_for_pool("")), "MachineConfig": change.name}


def run_forever(reconciler: Reconciler, *, interval: float, metrics_port: int | None,
                metrics_address: str = "0.0.0.0", leader: LeaderElector | None = None,
                webhook: WebhookServer | None = None) -> int:
    """The loop until SIGTERM, with /metrics, /healthz and /readyz on `metrics_port` when given, and
    leader election and webhooks beside it when asked for."""
    loop = Loop(reconciler, interval, leader=leader)
    probes = None
    if metrics_port is not None:
        probes = ProbeServer(loop.metrics.registry, loop.health, metrics_port, metrics_address).start()
        log.info("serving /metrics, /healthz and /readyz on %s:%d", metrics_address, probes.port,
                 extra=fields(port=probes.port))
    try:
        if webhook is None and leader is None:
            return loop.run()
        return run_replica(loop, leader, webhook)
    finally:
        if probes is not None:
            probes.stop()


def run_replica(loop: Loop, leader: LeaderElector | None, webhook: WebhookServer | None) -> int:
    """The loop with leader election and webhooks beside it; the Lease is released on the way out."""
    elections = threading.Event()
    if leader is not None:
        leader.on_change = _on_leading(loop)
        leader.on_elected = loop.trigger
        leader.on_request = loop.trigger
        _on_leading(loop)(False)
        log.info("%s: standby until it holds the Lease %s", leader.config.identity, leader.leases.name)
        leader.start(elections)
    if webhook is not None:
        webhook.on_push = _on_push(loop, leader)
        webhook.start()
        log.info("webhooks on port %d: /hook/github, /hook/gitlab, /hook/generic", webhook.port)
    try:
        return loop.run()
    finally:
        elections.set()
        if webhook is not None:
            webhook.stop()
        if leader is not None and loop.in_pass.acquire(timeout=RELEASE_WAIT):  # the last writes are done
            leader.release()


def _on_leading(loop: Loop) -> Callable[[bool], None]:
    """Metrics and probes follow the Lease: a standby reports 0 and is live and ready without passes."""
    def on_leading(leading: bool) -> None:
        loop.metrics.set_leader(leading)
        loop.health.set_standby(not leading)
    return on_leading


def _on_push(loop: Loop, leader: LeaderElector | None) -> Callable[[], None]:
    """The leader runs a pass now; a standby records the request on the Lease for the leader."""
    def on_push() -> None:
        if leader is None or leader.is_leader:
            loop.trigger()
        else:
            leader.request_sync()
    return on_push
