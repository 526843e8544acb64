"""What each CLI command does, given adapters that cli.py has built."""

from __future__ import annotations

import json
import logging
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.errors import InvalidInput
from reconciler.intent import analyse, summary
from reconciler.report import plan_to_dict, render_plan, render_status, status_to_dict
from reconciler.report.console import DEFAULT_WIDTH
from reconciler.source import checkout_problem, read_directory

from .loop import run_forever
from .progress import follow, phase_text
from .queue import queue_markdown, queue_rows, queue_table
from .reconcile import Reconciler, Source

if TYPE_CHECKING:
    from reconciler.cluster import Cluster

__all__ = ["Reconciler", "plan", "run", "status", "sync", "validate"]

EXIT_OK, EXIT_ERROR, EXIT_PENDING = 0, 1, 2
log = logging.getLogger("reconciler")


def validate(path: Path) -> int:
    problem = checkout_problem(path)
    if problem:
        raise InvalidInput(problem)
    snapshot = read_directory(path)
    problems, desired = analyse(snapshot)
    if problems:
        raise InvalidInput(problems)
    print(f"{path}: valid: {summary(snapshot, desired)}", file=sys.stderr)
    return EXIT_OK


def plan(reconciler: Reconciler, output: str) -> int:
    """The plan, then the rollout order it would follow (read-only: nothing is written)."""
    result = reconciler.decide()
    the_plan = result.plan
    if output == "json":
        doc = plan_to_dict(the_plan) | {"rollout": queue_rows(result.decision)}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    elif output == "markdown":
        print(render_plan(the_plan, output) + queue_markdown(result.decision), end="")
    else:
        print(render_plan(the_plan, output, width=output_width()), end="")
        print(queue_table(result.decision, output_width()), end="")
    if the_plan.blocked:
        return EXIT_ERROR
    return EXIT_PENDING if the_plan.changes else EXIT_OK


def sync(reconciler: Reconciler, *, wait: bool, timeout: float, sleep: Callable[[float], None]) -> int:
    if not wait:
        result = reconciler.reconcile()
        print(f"commit {result.plan.commit} of {result.plan.repo}")
        for line in result.applied or ("nothing to write",):
            print(line)
        print(result.decision.summary)
        return EXIT_ERROR if result.decision.halted else EXIT_OK
    return follow(reconciler, timeout=timeout, sleep=sleep)


def status(cluster: Cluster, source: Source | None, ref: str | None, output: str,
           clock: Callable[[], float]) -> int:
    if source is None:
        print(render_status(cluster.read_live(clock()), None, output, width=output_width()), end="")
        return EXIT_OK
    result = Reconciler(source, cluster, ref, clock).decide()
    if output == "json":
        phases = {p.pool: phase_text(p) for p in result.decision.pools}
        doc = status_to_dict(result.live, result.desired, phases) | {"rollout": queue_rows(result.decision)}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return EXIT_OK
    phases = {p.pool: p.phase.value for p in result.decision.pools}  # the reasons follow in the queue
    print(render_status(result.live, result.desired, output, phases=phases, width=output_width()), end="")
    print(queue_table(result.decision, output_width()), end="")
    return EXIT_OK


def output_width() -> int:
    """Tables use a wider terminal (or $COLUMNS) when there is one, never less than the default."""
    return max(DEFAULT_WIDTH, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)


def run(reconciler: Reconciler, *, interval: float, metrics_port: int | None) -> int:
    return run_forever(reconciler, interval=interval, metrics_port=metrics_port)
