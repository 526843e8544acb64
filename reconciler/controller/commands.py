"""What each CLI command does, given adapters that cli.py has built."""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.errors import EXIT_ERROR, EXIT_OK, EXIT_PENDING, InvalidInput
from reconciler.intent import check
from reconciler.report import change_line, plan_with_rollout, render_status, status_with_rollout
from reconciler.report.console import DEFAULT_WIDTH
from reconciler.source import read_directory

from .leader import LeaderElector
from .loop import run_forever
from .progress import follow
from .reconcile import Reconciler, Source
from .webhook import WebhookServer

if TYPE_CHECKING:
    from reconciler.cluster.port import ClusterPort

__all__ = ["Reconciler", "plan", "run", "status", "sync", "validate"]

log = logging.getLogger("reconciler")


def validate(path: Path) -> int:
    if not path.is_dir():
        raise InvalidInput(f"{path}: no such directory")
    snapshot = read_directory(path)
    problems = list(snapshot.problems) + check(snapshot)
    if problems:
        raise InvalidInput(problems)
    print(f"{path}: valid", file=sys.stderr)
    return EXIT_OK


def plan(reconciler: Reconciler, output: str) -> int:
    """The plan, then the rollout order it would follow (read-only: nothing is written)."""
    result = reconciler.decide()
    print(plan_with_rollout(result.plan, result.decision, output, width=output_width()), end="")
    if result.plan.blocked:
        return EXIT_ERROR
    return EXIT_PENDING if result.plan.changes else EXIT_OK


def sync(reconciler: Reconciler, *, wait: bool, timeout: float, sleep: Callable[[float], None]) -> int:
    if not wait:
        result = reconciler.reconcile()
        print(f"commit {result.plan.commit} of {result.plan.repo}")
        for line in [change_line(c) for c in result.changes] or ["nothing to write"]:
            print(line)
        print(result.decision.summary)
        return EXIT_ERROR if result.decision.halted else EXIT_OK
    return follow(reconciler, timeout=timeout, sleep=sleep)


def status(cluster: ClusterPort, source: Source | None, ref: str | None, output: str,
           clock: Callable[[], float]) -> int:
    """The cluster as it is; with a repository, also the rollout as the next pass would drive it."""
    if source is None:
        print(render_status(cluster.read_live(clock()), None, output, width=output_width()), end="")
        return EXIT_OK
    result = Reconciler(source, cluster, ref, clock).decide()
    print(status_with_rollout(result.live, result.desired, result.decision, output, width=output_width()), end="")
    return EXIT_OK


def output_width() -> int:
    """Tables use a wider terminal (or $COLUMNS) when there is one, never less than the default."""
    return max(DEFAULT_WIDTH, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)


def run(reconciler: Reconciler, *, interval: float, metrics_port: int | None,
        leader: LeaderElector | None = None, webhook: WebhookServer | None = None) -> int:
    return run_forever(reconciler, interval=interval, metrics_port=metrics_port, leader=leader, webhook=webhook)
