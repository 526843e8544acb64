"""`reconciler run`: one full pass per tick on apscheduler, backoff after failures, clean SIGTERM."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from reconciler.cluster.port import Following
from reconciler.errors import ReconcilerError
from reconciler.report import change_line

from .metrics import Metrics
from .reconcile import Reconciler

log = logging.getLogger("reconciler")
FIRST_RETRY = 5.0
MAX_BACKOFF = 600.0
JOB_ID = "reconcile"


@dataclass
class Loop:
    reconciler: Reconciler
    interval: float
    metrics: Metrics = field(default_factory=Metrics)
    failures: int = 0
    last_outcome: tuple[str, str] = ("", "")

    def __post_init__(self) -> None:
        self.scheduler = BlockingScheduler(timezone="UTC", job_defaults={"max_instances": 1, "coalesce": True})
        self.stopping = threading.Event()
        self.following = False  # reads come from a watch cache (after the first good follow)
        self.running = False
        self.woken = threading.Event()  # a change that matters arrived: decide again at once

    def wake(self) -> None:
        """Called from the watch threads: run the next pass now (or right after the running one)."""
        self.woken.set()
        if not self.running and not self.stopping.is_set():
            with contextlib.suppress(Exception):  # the scheduler may be shutting down
                self.scheduler.modify_job(JOB_ID, next_run_time=datetime.now().astimezone())

    def _follow(self) -> None:
        """Once: read the cluster through watches; raises like a read (the pass fails, is retried)."""
        cluster = self.reconciler.cluster
        if not self.following and isinstance(cluster, Following):
            cluster.follow(self.wake)
            self.following = True

    def tick(self) -> None:
        if self.stopping.is_set():
            return
        self.running = True
        self.woken.clear()
        try:
            self._tick()
        finally:
            self.running = False
        if self.woken.is_set():
            self.wake()

    def _tick(self) -> None:
        started = self.reconciler.clock()
        try:
            self._follow()
            result = self.reconciler.reconcile(stop=self.stopping)
        except ReconcilerError as exc:
            if self.stopping.is_set():  # e.g. a git child process got the same SIGTERM: nothing was written
                log.info("pass interrupted by the shutdown: %s", exc)
                return
            self.failures += 1
            self.last_outcome = ("", "")  # the next good pass is news
            delay = self.backoff()
            log.error("pass failed (%s); nothing deleted; retrying in %.0fs: %s",
                      type(exc).__name__, delay, exc)
            self.metrics.pass_failed(type(exc).__name__)
            self._reschedule(delay)
            return
        if self.failures:
            self.failures = 0
            self._reschedule(self.interval)
        self.metrics.pass_succeeded(result, self.reconciler.clock() - started)
        for change in result.changes:
            log.info("%s", change_line(change))
        # one line per pass that changed something; a steady state is logged once, then at debug level
        steady = not result.changes and (result.plan.commit, result.decision.summary) == self.last_outcome
        self.last_outcome = (result.plan.commit, result.decision.summary)
        log.log(logging.DEBUG if steady else logging.INFO, "pass commit=%s changes=%d writes=%d %s",
                result.plan.commit[:12], len(result.plan.changes), len(result.written), result.decision.summary)

    def backoff(self) -> float:
        """The wait after the n-th failed pass in a row: it starts at FIRST_RETRY (or the interval when
        shorter) and doubles, up to MAX_BACKOFF (or the interval when longer)."""
        first = min(FIRST_RETRY, self.interval)
        return float(min(max(MAX_BACKOFF, self.interval), first * 2 ** (self.failures - 1)))

    def _reschedule(self, delay: float) -> None:
        if self.stopping.is_set():  # the scheduler is shutting down: there is no next pass to move
            return
        self.scheduler.reschedule_job(JOB_ID, trigger=IntervalTrigger(seconds=self.interval))
        self.scheduler.modify_job(JOB_ID, next_run_time=datetime.now().astimezone() + timedelta(seconds=delay))

    def stop(self, *_: object) -> None:
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


def run_forever(reconciler: Reconciler, *, interval: float, metrics_port: int | None) -> int:
    loop = Loop(reconciler, interval)
    if metrics_port is not None:
        loop.metrics.serve(metrics_port)
    return loop.run()
