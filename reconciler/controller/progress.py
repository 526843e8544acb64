"""`sync --wait`: run passes until the rollout is done, halted or timed out, showing live progress."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from reconciler.errors import Transient
from reconciler.model import Snapshot
from reconciler.rollout import Decision, PoolProgress

from .reconcile import PassResult, Reconciler, Source

log = logging.getLogger("reconciler")
POLL_SECONDS = 3.0  # cluster time between passes
EXIT_OK, EXIT_ERROR = 0, 1


def follow(reconciler: Reconciler, *, timeout: float, sleep: Callable[[float], None],
           console: Console | None = None) -> int:
    console = console or Console()
    reconciler = replace(reconciler, source=_Pinned(reconciler.source))
    deadline = reconciler.clock() + timeout
    view = _Terminal(console) if console.is_terminal else _Lines(console)
    with view:
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


def pool_line(pool: PoolProgress) -> str:
    """`worker (stage 1) rolling: worker 1/3 updated [ip-10-0-…: draining]`, for logs and pipes."""
    line = f"{pool.pool} (stage {pool.stage}) {phase_text(pool)}"
    moving = _moving_nodes(pool)
    return f"{line} [{', '.join(moving)}]" if moving else line


def phase_text(pool: PoolProgress) -> str:
    """`rolling: worker 1/3 updated`: the phase, then the reason unless it already starts with it."""
    if pool.reason.startswith(pool.phase.value):
        return pool.reason
    return f"{pool.phase.value}: {pool.reason}" if pool.reason else pool.phase.value


def _moving_nodes(pool: PoolProgress) -> list[str]:
    return [f"{n.name}: {n.phase}" for n in pool.nodes if n.phase not in ("updated", "queued", "")]


def progress_table(result: PassResult) -> Table:
    table = Table(title=f"commit {result.plan.commit[:12]}", expand=False)
    for column in ("pool", "stage", "phase", "updated", "nodes in motion", "why"):
        table.add_column(column)
    for pool in result.decision.pools:
        state = result.live.pool(pool.pool)
        moving = ", ".join(_moving_nodes(pool))
        counts = f"{state.updated_count}/{state.machine_count}" if state else "-"
        table.add_row(pool.pool, str(pool.stage), pool.phase.value, counts, moving or "-", pool.reason)
    return table


class _Terminal:
    """A live-updating table on a terminal."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live = Live(console=console, auto_refresh=False, transient=False)

    def __enter__(self) -> _Terminal:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(None, None, None)

    def show(self, result: PassResult) -> None:
        for line in result.applied:
            self.console.print(line, markup=False, highlight=False)
        self.live.update(Group(progress_table(result), Text(result.decision.summary)), refresh=True)

    def finish(self, result: PassResult) -> None:
        self.show(result)


class _Lines:
    """One line whenever a pool's phase, counts or moving nodes change, for logs and pipes."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.last: dict[str, tuple[object, ...]] = {}
        self.announced = False

    def __enter__(self) -> _Lines:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def show(self, result: PassResult) -> None:
        if not self.announced:
            self.announced = True
            self._print(f"commit {result.plan.commit} of {result.plan.repo}")
        for line in result.applied:
            self._print(line)
        for pool in result.decision.pools:
            state = result.live.pool(pool.pool)
            key = (pool.phase, state.updated_count if state else 0, tuple(_moving_nodes(pool)), pool.blocking_reason)
            if self.last.get(pool.pool) != key:
                self.last[pool.pool] = key
                self._print(pool_line(pool))

    def finish(self, result: PassResult) -> None:
        self._print(result.decision.summary)

    def _print(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)
