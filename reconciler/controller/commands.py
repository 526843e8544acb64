"""What each CLI command does, given adapters that cli.py has built."""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.errors import EXIT_ERROR, EXIT_OK, EXIT_PENDING, InvalidInput
from reconciler.intent import ParseCache, analyse, summary
from reconciler.source.workdir import checkout_problem, read_directory

if TYPE_CHECKING:
    from reconciler.cluster.port import ClusterPort

    from .leader import LeaderElector
    from .reconcile import Reconciler, Source
    from .webhook import WebhookServer

# Each command imports the reporting, scheduling and live-view modules it uses (`validate` none):
# a CLI call pays for what it runs, not for every command's dependencies.

__all__ = ["Reconciler", "plan", "run", "status", "sync", "validate"]

log = logging.getLogger("reconciler")


def __getattr__(name: str) -> Any:
    if name == "Reconciler":  # cli.py builds one for every command but `validate`
        from .reconcile import Reconciler

        return Reconciler
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def validate(path: Path, cache: ParseCache | None = None) -> int:
    problem = checkout_problem(path)
    if problem:
        raise InvalidInput(problem)
    snapshot = read_directory(path)
    problems, desired = analyse(snapshot, cache)
    if problems:
        raise InvalidInput(problems)
    print(f"{path}: valid: {summary(snapshot, desired)}", file=sys.stderr)
    return EXIT_OK


def plan(reconciler: Reconciler, output: str) -> int:
    """The plan, then the rollout order it would follow (read-only: nothing is written)."""
    from reconciler.report import plan_with_rollout

    result = reconciler.decide()
    print(plan_with_rollout(result.plan, result.decision, output, width=output_width()), end="")
    if result.plan.blocked:
        return EXIT_ERROR
    return EXIT_PENDING if result.plan.changes else EXIT_OK


def sync(reconciler: Reconciler, *, wait: bool, timeout: float, sleep: Callable[[float], None]) -> int:
    from reconciler.report import change_line

    from .progress import follow

    if not wait:
        result = reconciler.reconcile()
        print(f"commit {result.plan.commit} of {result.plan.repo}")
        for line in [change_line(c) for c in result.changes] or ["nothing to write"]:
            print(line)
        print(result.decision.summary)
        return EXIT_ERROR if result.decision.halted else EXIT_OK
    return follow(reconciler, timeout=timeout, sleep=sleep)


def status(cluster: ClusterPort, source: Source | None, ref: str | None, output: str,
           clock: Callable[[], float], parse_cache: ParseCache | None = None) -> int:
    """The cluster as it is; with a repository, also the rollout as the next pass would drive it."""
    from reconciler.report import render_status, status_with_rollout

    if source is None:
        print(render_status(cluster.read_live(clock(), every_node=True), None, output, width=output_width()), end="")
        return EXIT_OK
    from .reconcile import Reconciler

    result = Reconciler(source, cluster, ref, clock, every_node=True,
                        parse_cache=parse_cache or ParseCache()).decide()
    print(status_with_rollout(result.live, result.desired, result.decision, output, width=output_width(),
                              verification=result.plan.verification), end="")
    return EXIT_OK


def output_width() -> int:
    """Tables use a wider terminal (or $COLUMNS) when there is one, never less than the default."""
    from reconciler.report.console import DEFAULT_WIDTH

    return max(DEFAULT_WIDTH, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)


def run(reconciler: Reconciler, *, interval: float, metrics_port: int | None,
        leader: LeaderElector | None = None, webhook: WebhookServer | None = None) -> int:
    from .loop import run_forever

    return run_forever(reconciler, interval=interval, metrics_port=metrics_port, leader=leader, webhook=webhook)
