"""Every output: plans, cluster status, the rollout queue, change sets and live progress, as tables
(plain text), stable JSON (docs/output.md) and markdown.

Every renderer returns text that ends with a newline; print it with `end=""`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from reconciler.model import DesiredState, LiveState, Plan
from reconciler.report.changes import change_line, event_reason
from reconciler.report.console import DEFAULT_WIDTH
from reconciler.report.documents import plan_with_rollout, review_with_rollout, status_with_rollout
from reconciler.report.plan_dict import plan_to_dict
from reconciler.report.plan_text import plan_markdown, plan_table, summary_line
from reconciler.report.review import Review
from reconciler.report.status import status_table, status_to_dict

PLAN_FORMATS = ("table", "json", "markdown")
STATUS_FORMATS = ("table", "json")

__all__ = [
    "PLAN_FORMATS",
    "STATUS_FORMATS",
    "Review",
    "change_line",
    "event_reason",
    "plan_to_dict",
    "plan_with_rollout",
    "render_plan",
    "render_status",
    "review_with_rollout",
    "status_to_dict",
    "status_with_rollout",
    "summary_line",
]


def render_plan(plan: Plan, fmt: str, *, width: int = DEFAULT_WIDTH) -> str:
    """fmt: "table" | "json" | "markdown"."""
    if fmt == "json":
        return _json(plan_to_dict(plan))
    if fmt == "markdown":
        return plan_markdown(plan)
    if fmt == "table":
        return plan_table(plan, width=width)
    raise ValueError(_unknown(fmt, PLAN_FORMATS))


def render_status(
    live: LiveState,
    desired: DesiredState | None,
    fmt: str,
    *,
    phases: Mapping[str, str] | None = None,
    width: int = DEFAULT_WIDTH,
) -> str:
    """fmt: "table" | "json". `phases`: pool name -> rollout phase in words, when the caller knows it."""
    if fmt == "json":
        return _json(status_to_dict(live, desired, phases))
    if fmt == "table":
        return status_table(live, desired, width=width, phases=phases)
    raise ValueError(_unknown(fmt, STATUS_FORMATS))


def _json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _unknown(fmt: str, known: tuple[str, ...]) -> str:
    return f"unknown output format {fmt!r}: use one of {', '.join(known)}"
