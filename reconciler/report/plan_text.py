"""A plan for people: a terminal table and the markdown a bot posts on a pull request."""

from __future__ import annotations

from reconciler.model import Action, ActionKind, Plan, Severity
from reconciler.report.console import Part, notes, table, to_string
from reconciler.report.images import Shortener, images_in, shorten_text, shortener
from reconciler.report.plan_dict import nodes_to_reboot, problems_of, summary_counts
from reconciler.report.trust import image_check_markdown, image_check_rows, verification_line

NONE = "(none)"
REMOVED = "(MachineConfig removed)"
IMAGE_FIELD = "spec.osImageURL"  # its drift is already shown as old → new in the image column


def summary_line(plan: Plan) -> str:
    counts = summary_counts(plan)
    nodes = counts["nodesToReboot"]
    return (
        f"Plan: {counts['create']} to create, {counts['update']} to update, {counts['delete']} to delete, "
        f"{counts['unchanged']} unchanged ({_nodes(nodes)} will reboot)"
    )


def _nodes(count: int) -> str:
    return f"{count} node" if count == 1 else f"{count} nodes"


def plan_shortener(plan: Plan) -> Shortener:
    images = [i for a in plan.actions for i in (a.old_image, a.new_image) if i]
    texts = [*(str(d) for a in plan.actions for d in a.drift), *(p.message for p in plan.problems)]
    return shortener(images + [i for t in texts for i in images_in(t)])


def image_change(action: Action, short: Shortener, joiner: str = " → ") -> str:
    old = short(action.old_image) if action.old_image else NONE
    if action.kind is ActionKind.DELETE:
        return f"{old}{joiner}{REMOVED}"
    new = short(action.new_image) if action.new_image else NONE
    if action.kind is ActionKind.UNCHANGED or action.old_image == action.new_image:
        return new
    return f"{old}{joiner}{new}"


def shown_drift(action: Action, short: Shortener) -> list[str]:
    """Drift for people: shortened images, without the image change the image column shows."""
    return [shorten_text(str(d), short) for d in action.drift if d.field != IMAGE_FIELD]


def reboots(action: Action) -> str:
    if action.kind is ActionKind.UNCHANGED:
        return "-"
    count = str(action.impact.nodes_to_reboot)
    pools = action.impact.pools
    return f"{count} ({', '.join(pools)})" if pools else count


# ---- table -----------------------------------------------------------------------------------------
def plan_table(plan: Plan, width: int) -> str:
    return to_string(_table_parts(plan), width=width)


def _table_parts(plan: Plan) -> list[Part]:
    short = plan_shortener(plan)
    images = [image_change(a, short, " →\n") for a in plan.actions]
    widest = max((len(line) for cell in images for line in cell.splitlines()), default=0)
    grid = table("Pool", "Action", "MachineConfig", "Image", "Nodes to reboot", min_widths={"Image": widest})
    for action, image in zip(plan.actions, images, strict=True):
        grid.add_row(action.pool, action.kind.value, action.mc_name, image, reboots(action))
    parts: list[Part] = [grid] if plan.actions else ["No bindings and no MachineConfigs of ours."]
    checks = image_check_rows(plan.image_checks, short)
    if checks:
        parts += ["Image checks:", notes(checks)]
    parts += _drift_lines(plan, short) + _problem_lines(plan, short)
    parts.append(summary_line(plan))
    if plan.blocked:
        parts.append("Blocked: nothing will be written until the blocking problems are fixed.")
    parts.append(f"Commit: {plan.commit or '(working tree)'} ({plan.repo})")
    parts.append(verification_line(plan.verification))
    return parts


def _drift_lines(plan: Plan, short: Shortener) -> list[Part]:
    rows = [(a.mc_name, line) for a in plan.actions for line in shown_drift(a, short)]
    return ["Drift (live differs from git):", notes(rows)] if rows else []


def _problem_lines(plan: Plan, short: Shortener) -> list[Part]:
    lines: list[Part] = []
    for severity, heading in ((Severity.BLOCKING, "Blocking problems:"), (Severity.WARNING, "Warnings:")):
        found = problems_of(plan, severity)
        if found:
            lines.append(heading)
            lines.append(notes((p.subject, shorten_text(p.message, short)) for p in found))
    return lines


# ---- markdown --------------------------------------------------------------------------------------
def plan_markdown(plan: Plan) -> str:
    short = plan_shortener(plan)
    lines = [f"### Layering plan for `{_short_commit(plan.commit)}`", ""]
    lines += [f"Repository `{plan.repo}` at commit `{plan.commit or '(working tree)'}`.", ""]
    lines += [verification_line(plan.verification), ""]
    if plan.actions:
        lines += [*_markdown_table(plan, short), ""]
    lines += image_check_markdown(plan.image_checks, short)
    lines += _markdown_problems(plan, short)
    lines.append(f"**{summary_line(plan)}**")
    lines += ["", _markdown_note(plan)]
    return "\n".join(lines) + "\n"


def _short_commit(commit: str) -> str:
    return commit[:12] if commit else "working tree"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>") or " "


def _markdown_table(plan: Plan, short: Shortener) -> list[str]:
    rows = [
        "| Pool | Action | MachineConfig | Image | Nodes to reboot | Drift |",
        "|---|---|---|---|---|---|",
    ]
    for a in plan.actions:
        drift = "<br>".join(_cell(d) for d in shown_drift(a, short))
        cells = [a.pool, f"**{a.kind.value}**", f"`{a.mc_name}`", image_change(a, short), reboots(a)]
        rows.append("| " + " | ".join([*(_cell(c) for c in cells), drift or " "]) + " |")
    return rows


def _markdown_problems(plan: Plan, short: Shortener) -> list[str]:
    lines: list[str] = []
    blocking = problems_of(plan, Severity.BLOCKING)
    if blocking:
        lines.append("**⛔ Blocking: nothing will be written until these are fixed**")
        lines += [f"- ⛔ `{p.subject}`: {shorten_text(p.message, short)}" for p in blocking]
        lines.append("")
    warnings = problems_of(plan, Severity.WARNING)
    if warnings:
        lines.append("**⚠ Warnings**")
        lines += [f"- ⚠ `{p.subject}`: {shorten_text(p.message, short)}" for p in warnings]
        lines.append("")
    return lines


def _markdown_note(plan: Plan) -> str:
    if not plan.changes:
        return "No changes: the cluster already matches this commit."
    total = nodes_to_reboot(plan)
    return (
        f"> Each change is a drain-and-reboot: {_nodes(total)} will be cordoned, drained and rebooted "
        "onto the new image, up to `maxUnavailable` nodes of a pool at a time."
    )
