"""Live views of `sync --wait`: a live-updating table on a terminal, one line per change for pipes.

Each view is shown every pass's result (anything with the plan, the live state, the decision and
the change set of a pass, such as the controller's PassResult).
"""

from __future__ import annotations

from typing import Protocol

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from reconciler.model import Change, LiveState, Plan
from reconciler.report.changes import change_line
from reconciler.report.rollout import moving_nodes, pool_line
from reconciler.rollout import Decision


class PassView(Protocol):
    @property
    def plan(self) -> Plan: ...
    @property
    def live(self) -> LiveState: ...
    @property
    def decision(self) -> Decision: ...
    @property
    def changes(self) -> tuple[Change, ...]: ...


class View(Protocol):
    def __enter__(self) -> View: ...
    def __exit__(self, *exc: object) -> None: ...
    def show(self, result: PassView) -> None: ...
    def finish(self, result: PassView) -> None: ...


def live_view(console: Console) -> View:
    """The table on a terminal, lines otherwise."""
    return TerminalView(console) if console.is_terminal else LinesView(console)


def progress_table(result: PassView) -> Table:
    table = Table(title=f"commit {result.plan.commit[:12]}", expand=False)
    for column in ("pool", "stage", "phase", "updated", "nodes in motion", "why"):
        table.add_column(column)
    for pool in result.decision.pools:
        state = result.live.pool(pool.pool)
        moving = ", ".join(moving_nodes(pool))
        counts = f"{state.updated_count}/{state.machine_count}" if state else "-"
        table.add_row(pool.pool, str(pool.stage), pool.phase.value, counts, moving or "-", pool.reason)
    return table


class TerminalView:
    """A live-updating table on a terminal."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live = Live(console=console, auto_refresh=False, transient=False)

    def __enter__(self) -> TerminalView:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(None, None, None)

    def show(self, result: PassView) -> None:
        for change in result.changes:
            self.console.print(change_line(change), markup=False, highlight=False)
        self.live.update(Group(progress_table(result), Text(result.decision.summary)), refresh=True)

    def finish(self, result: PassView) -> None:
        self.show(result)


class LinesView:
    """One line whenever a pool's phase, counts or moving nodes change, for logs and pipes."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.last: dict[str, tuple[object, ...]] = {}
        self.announced = False

    def __enter__(self) -> LinesView:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def show(self, result: PassView) -> None:
        if not self.announced:
            self.announced = True
            self._print(f"commit {result.plan.commit} of {result.plan.repo}")
        for change in result.changes:
            self._print(change_line(change))
        for pool in result.decision.pools:
            state = result.live.pool(pool.pool)
            key = (pool.phase, state.updated_count if state else 0, tuple(moving_nodes(pool)), pool.blocking_reason)
            if self.last.get(pool.pool) != key:
                self.last[pool.pool] = key
                self._print(pool_line(pool))

    def finish(self, result: PassView) -> None:
        self._print(result.decision.summary)

    def _print(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)
