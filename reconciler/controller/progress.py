"""`sync --wait`: run passes until the rollout is done, halted or timed out, showing live progress."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace

from rich.console import Console

from reconciler.cluster.port import Following
from reconciler.errors import EXIT_ERROR, EXIT_OK, ClusterError, Transient
from reconciler.model import Snapshot
from reconciler.report.live import live_view
from reconciler.rollout import Decision

from .reconcile import Reconciler, Source

log = logging.getLogger("reconciler")
POLL_SECONDS = 3.0  # cluster time between passes (at most)
POLL_SLICES = 6


def follow(reconciler: Reconciler, *, timeout: float, sleep: Callable[[float], None],
           console: Console | None = None) -> int:
    console = console or Console()
    reconciler = replace(reconciler, source=_Pinned(reconciler.source))
    deadline = reconciler.clock() + timeout
    woken = threading.Event()
    if isinstance(reconciler.cluster, Following):  # passes read a watch cache: no LIST every poll
        try:
            reconciler.cluster.follow(woken.set)
        except ClusterError as exc:  # the passes read directly, as without watches
            log.warning("cannot watch the cluster, polling instead: %s", exc)
    with live_view(console) as view:
        while True:
            try:
                result = reconciler.reconcile()
            except Transient as exc:
                if reconciler.clock() >= deadline:
                    raise
                log.warning("cluster unreachable, retrying: %s", exc)
                _pause(sleep, woken)
                continue
            view.show(result)
            timed_out = reconciler.clock() >= deadline
            outcome = _outcome(result.decision, timed_out)
            if outcome is not None:
                view.finish(result)
                if timed_out and not (result.decision.done or result.decision.halted):
                    log.error("timed out waiting for the rollout; it goes on in the cluster")
                return outcome
            _pause(sleep, woken)


def _pause(sleep: Callable[[float], None], woken: threading.Event) -> None:
    """Until the next poll, or sooner when a watch saw a change that matters."""
    for _ in range(POLL_SLICES):
        if woken.is_set():
            break
        sleep(POLL_SECONDS / POLL_SLICES)
    woken.clear()


class _Pinned:
    """One `sync --wait` applies one commit: read the repository once, not on every poll."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.pinned: Snapshot | None = None

    def snapshot(self, ref: str | None = None) -> Snapshot:
        if self.pinned is None:
            self.pinned = self.source.snapshot(ref)
        return self.pinned


def _outcome(decision: Decision, timed_out: bool) -> int | None:
    if decision.done:
        return EXIT_OK
    if decision.halted or timed_out:
        return EXIT_ERROR
    return None
