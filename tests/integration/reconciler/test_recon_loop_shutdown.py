"""`run` stopping: a pass that fails because the shutdown signal also reached git is not a failure;
hooks that arrive during a pass make one more pass, not twenty."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from recon_world import World

from reconciler.controller.loop import JOB_ID, Loop
from reconciler.model import Snapshot
from reconciler.source import GitSource


@dataclass
class SignalArrivesDuringTheRead:
    """The real source, with the shutdown signal landing while it reads (as Ctrl-C reaches git too)."""

    source: GitSource
    loop: Loop | None = None

    def snapshot(self, ref: str | None = None) -> Snapshot:
        assert self.loop is not None
        self.loop.stopping.set()
        return self.source.snapshot(ref)


def test_a_pass_cut_short_by_the_shutdown_is_not_retried_or_reported_as_failed(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    gone = GitSource(str(world.repo.path / "no-such-repository"), cache_dir=world.cache)
    source = SignalArrivesDuringTheRead(gone)
    reconciler = world.reconciler()
    reconciler.source = source
    loop = Loop(reconciler, interval=60)
    source.loop = loop
    with caplog.at_level(logging.INFO, logger="reconciler"):
        loop.tick()
    assert loop.failures == 0
    assert [r.levelname for r in caplog.records] == ["INFO"]
    assert "interrupted by the shutdown" in caplog.records[0].getMessage()


@dataclass
class HooksArriveDuringTheRead:
    """The real source; the first read gets 20 webhooks while it runs."""

    source: GitSource
    loop: Loop | None = None
    reads: int = 0

    def snapshot(self, ref: str | None = None) -> Snapshot:
        assert self.loop is not None
        self.reads += 1
        if self.reads == 1:
            for _ in range(20):
                self.loop.trigger()
        return self.source.snapshot(ref)


def test_hooks_during_a_pass_coalesce_into_one_more_pass(world: World) -> None:
    reconciler = world.reconciler()
    source = HooksArriveDuringTheRead(GitSource(str(world.repo.path), cache_dir=world.cache))
    reconciler.source = source
    loop = Loop(reconciler, interval=3600)  # polling would not come for an hour
    source.loop = loop
    loop.scheduler.add_job(loop.tick, IntervalTrigger(seconds=3600), id=JOB_ID,
                           next_run_time=datetime.now().astimezone())
    thread = threading.Thread(target=loop.scheduler.start, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while source.reads < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
        assert source.reads == 2  # the first pass, then one for the 20 hooks
        loop.trigger()
        deadline = time.monotonic() + 20
        while source.reads < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert source.reads == 3
    finally:
        loop.stopping.set()
        loop.scheduler.shutdown(wait=True)


def test_each_wait_is_jittered_by_ten_percent(world: World) -> None:
    loop = Loop(world.reconciler(), interval=100)
    loop.scheduler.add_job(loop.tick, IntervalTrigger(seconds=100), id=JOB_ID)
    waits = []
    for _ in range(200):
        before = datetime.now().astimezone()
        loop._jitter(100)
        waits.append((loop.scheduler.get_job(JOB_ID).next_run_time - before).total_seconds())
    assert all(89.9 <= w <= 110.1 for w in waits)
    assert max(waits) - min(waits) > 10  # spread, not a fixed offset


def test_a_second_sigterm_while_stopping_is_quiet(world: World) -> None:
    """Two SIGTERMs (kubelet, then a human) must not print the scheduler's 'not running' traceback."""
    loop = Loop(world.reconciler(), interval=3600)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def twice() -> None:
        time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.2)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=twice, daemon=True).start()
    try:
        assert loop.run() == 0
        time.sleep(0.5)  # the second signal lands after the scheduler stopped
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    assert loop.stopping.is_set()
