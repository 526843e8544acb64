"""`sync --wait`: run passes until the rollout is done, halted or timed out, showing live progress."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from rich.console import Console

from reconciler.errors import EXIT_ERROR, EXIT_OK, Transient
from reconciler.model import Snapshot
from reconciler.report.live import live_view
from reconciler.rollout import Decision

from .reconcile import Reconciler, Source

log = logging.getLogger("reconciler")
POLL_SECONDS = 3.0  # cluster time between passes


def follow(reconciler: Reconciler, *, timeout: float, sleep: Callable[[float], None],
           console: Console | None = None) -> int:
    console = console or Console()
    reconciler = replace(reconciler, source=_Pinned(reconciler.source))
    deadline = reconciler.clock() + timeout
    with live_view(console) as view:
        while True:
            try:
                result = reconciler.reconcile()
            except Transient as exc:
                if reconciler.clock() >= deadline:
                    raise
                log.warning("cluster unreachable, retrying: %s", exc)
                sleep(POLL_SECONDS)
                continue
            view.show(result)
            timed_out = reconciler.clock() >= deadline
            outcome = _outcome(result.decision, timed_out)
            if outcome is not None:
                view.finish(result)
                if timed_out and not (result.decision.done or result.decision.halted):
                    log.error("timed out waiting for the rollout; it goes on in the cluster")
                return outcome
            sleep(POLL_SECONDS)


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
