"""A pull request's review: what it changes in the bindings, which nodes reboot, then the plan.

The markdown is one PR comment: its first line is a hidden marker that CI recipes look for to update
the same comment on every push (a sticky comment), and it is cut to fit GitHub's comment limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from reconciler.model import BindingChange, LiveState, Plan
from reconciler.report.images import shortener

MARKER = "<!-- layering-reconciler:plan -->"
MAX_COMMENT_CHARS = 65_000  # GitHub refuses comments over 65,536 characters
TRUNCATED = "\n\n*(cut to fit one comment: run `reconciler plan` for the whole plan)*\n"


class Review(NamedTuple):
    """What a pull request changes against its target branch."""

    changes: Sequence[BindingChange]
    base_ref: str
    base_commit: str


def rebooting_nodes(plan: Plan, live: LiveState) -> dict[str, list[str]]:
    """Pool → the names of its nodes that the plan's changes drain and reboot."""
    pools = sorted({pool for action in plan.changes for pool in action.impact.pools})
    return {pool: sorted(n.name for n in live.nodes_of(pool)) for pool in pools if live.nodes_of(pool)}


def review_dict(changes: Sequence[BindingChange], base_ref: str, base_commit: str, plan: Plan,
                live: LiveState) -> dict[str, Any]:
    return {
        "base": {"ref": base_ref, "commit": base_commit},
        "bindingChanges": [{"pool": c.pool, "change": c.change, "binding": c.binding, "oldImage": c.old_image,
                            "newImage": c.new_image, "details": list(c.details)} for c in changes],
        "nodesToReboot": rebooting_nodes(plan, live),
    }


def review_lines(changes: Sequence[BindingChange], base_ref: str, plan: Plan, live: LiveState) -> str:
    """For the terminal: one line per changed binding and per pool whose nodes reboot, before the plan."""
    if not changes:
        lines = [f"This change leaves every binding of {base_ref} as it is."]
    else:
        short = shortener(i for c in changes for i in (c.old_image, c.new_image) if i)
        lines = [f"Bindings changed against {base_ref}:"]
        for c in changes:
            images = " → ".join(short(i) if i else "(none)" for i in (c.old_image, c.new_image))
            lines.append(f"  {c.pool}: {c.change} {images}" + (f" ({'; '.join(c.details)})" if c.details else ""))
    nodes = rebooting_nodes(plan, live)
    if nodes:
        lines.append("Nodes that will drain and reboot:")
        lines += [f"  {pool}: {', '.join(names)}" for pool, names in nodes.items()]
    return "\n".join(lines) + "\n\n"


def review_markdown(changes: Sequence[BindingChange], base_ref: str, base_commit: str, plan: Plan,
                    live: LiveState, plan_markdown: str) -> str:
    lines = [MARKER, "## Layering review", "",
             f"Against `{base_ref}` (`{base_commit[:12]}`): this pull request at `{plan.commit[:12]}`.", ""]
    lines += _changes_table(changes)
    lines += _reboot_list(plan, live)
    text = "\n".join(lines) + "\n" + plan_markdown
    if len(text) > MAX_COMMENT_CHARS:
        text = text[: MAX_COMMENT_CHARS - len(TRUNCATED)] + TRUNCATED
    return text


def _changes_table(changes: Sequence[BindingChange]) -> list[str]:
    if not changes:
        return ["This pull request changes no binding.", ""]
    short = shortener(i for c in changes for i in (c.old_image, c.new_image) if i)
    rows = ["**Bindings this pull request changes**", "", "| Pool | Change | Image | Details |", "|---|---|---|---|"]
    for c in changes:
        images = " → ".join(f"`{short(i)}`" if i else "(none)" for i in (c.old_image, c.new_image))
        rows.append(f"| {c.pool} | **{c.change}** | {images} | {'<br>'.join(c.details) or ' '} |")
    return [*rows, ""]


def _reboot_list(plan: Plan, live: LiveState) -> list[str]:
    nodes = rebooting_nodes(plan, live)
    if not nodes:
        return ["No node reboots for this change.", ""]
    total = sum(len(names) for names in nodes.values())
    lines = [f"**Nodes that will drain and reboot ({total})**", ""]
    lines += [f"- `{pool}`: " + ", ".join(f"`{n}`" for n in names) for pool, names in nodes.items()]
    return [*lines, ""]
