"""`sync --wait`: run passes until the rollout is done, halted or timed out, showing live progress."""

from __future__ import annotations

import logging
from collections.abc import Callable

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from reconciler.errors import Transient
from reconciler.model import LiveState
from reconciler.rollout import Decision, PoolProgress

from .reconcile import PassResult, Reconciler

log = logging.getLogger("reconciler")
POLL_SECONDS = 10.0  # cluster time between passes
EXIT_OK, EXIT_ERROR = 0, 1


def follow(reconciler: Reconciler, *, timeout: float, sleep: Callable[[float], None],
           console: Console | None = None) -> int:
    console = console or Console()
    deadline = reconciler.clock() + timeout
    view = _Terminal(console) if console.is_terminal else _Lines(console)
    with view:
        while True:
            try:
                result = reconciler.reconcile()
            except Transient as exc:
                log.warning("cluster unreachable, retrying: %s", exc)
                sleep(POLL_SECONDS)
                continue
            view.show(result)
            outcome = _outcome(result.decision, reconciler.clock() >= deadline)
            if outcome is not None:
                view.finish(result)
                return outcome
            sleep(POLL_SECONDS)


def _outcome(decision: Decision, timed_out: bool) -> int | None:
    if decision.done:
        return EXIT_OK
    if decision.halted or timed_out:
        return EXIT_ERROR
    return None


def pool_line(pool: PoolProgress, live: LiveState) -> str:
    state = live.pool(pool.pool)
    counts = f"{state.updated_count}/{state.machine_count} updated" if state else "no such pool"
    why = f": {pool.reason}" if pool.reason else ""
    return f"{pool.pool} (stage {pool.stage}) {pool.phase.value}, {counts}{why}"


def progress_table(result: PassResult) -> Table:
    table = Table(title=f"commit {result.plan.commit[:12]}", expand=False)
    for column in ("pool", "stage", "phase", "updated", "nodes in motion", "why"):
        table.add_column(column)
    for pool in result.decision.pools:
        state = result.live.pool(pool.pool)
        moving = ", ".join(f"{n.name.split('.')[0]}: {n.phase}" for n in pool.nodes
                           if n.phase not in ("updated", "queued", ""))
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
            self.console.print(line)
        self.live.update(Group(progress_table(result), Text(result.decision.summary)), refresh=True)

    def finish(self, result: PassResult) -> None:
        self.show(result)


class _Lines:
    """One line per change, for logs and pipes."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.last: dict[str, str] = {}

    def __enter__(self) -> _Lines:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def show(self, result: PassResult) -> None:
        for line in result.applied:
            self.console.print(line, highlight=False)
        for pool in result.decision.pools:
            line = pool_line(pool, result.live)
            moving = [f"{n.name}: {n.phase}" for n in pool.nodes if n.phase not in ("updated", "queued", "")]
            if moving:
                line += " [" + ", ".join(moving) + "]"
            if self.last.get(pool.pool) != line:
                self.last[pool.pool] = line
                self.console.print(line, highlight=False, soft_wrap=True)

    def finish(self, result: PassResult) -> None:
        self.console.print(result.decision.summary, highlight=False, soft_wrap=True)
