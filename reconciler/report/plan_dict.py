"""The stable `-o json` shape of a plan (documented in docs/output.md)."""

from __future__ import annotations

from typing import Any

from reconciler.model import Action, ActionKind, Binding, DesiredMachineConfig, Drift, Plan, Problem, Severity
from reconciler.report.trust import image_checks_dict, verification_dict

SCHEMA_VERSION = 1


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    return {
        "schemaVersion": SCHEMA_VERSION,
        "kind": "Plan",
        "repo": plan.repo,
        "commit": plan.commit,
        "inSync": plan.in_sync,
        "blocked": plan.blocked,
        "summary": summary_counts(plan),
        "actions": [_action(a) for a in plan.actions],
        "problems": [_problem(p) for p in plan.problems],
        "verification": verification_dict(plan.verification),
        "imageChecks": image_checks_dict(plan.image_checks),
    }


def summary_counts(plan: Plan) -> dict[str, int]:
    counts = {kind.value: 0 for kind in ActionKind}
    for action in plan.actions:
        counts[action.kind.value] += 1
    counts["nodesToReboot"] = nodes_to_reboot(plan)
    return counts


def nodes_to_reboot(plan: Plan) -> int:
    """Impacts are attributed so that each rebooting pool counts once: the sum is the total."""
    return sum(a.impact.nodes_to_reboot for a in plan.changes)


def _action(action: Action) -> dict[str, Any]:
    return {
        "pool": action.pool,
        "action": action.kind.value,
        "machineConfig": action.mc_name,
        "oldImage": action.old_image,
        "newImage": action.new_image,
        "binding": _binding(action.binding) if action.binding else None,
        "liveResourceVersion": action.live_resource_version or None,
        "drift": [str(d) for d in action.drift],
        "driftDetails": [_drift(d) for d in action.drift],
        "impact": {"pools": list(action.impact.pools), "nodesToReboot": action.impact.nodes_to_reboot},
        "desired": _desired(action.desired) if action.desired else None,
    }


def _drift(drift: Drift) -> dict[str, Any]:
    return {"kind": drift.kind.value, "field": drift.field or None, "live": drift.live, "desired": drift.desired}


def _binding(binding: Binding) -> dict[str, Any]:
    return {
        "name": binding.name,
        "stage": binding.stage,
        "window": binding.window,
        "acceptConflicts": binding.accept_conflicts,
        "location": str(binding.location) or None,
    }


def _desired(mc: DesiredMachineConfig) -> dict[str, Any]:
    return {
        "name": mc.name,
        "labels": dict(mc.labels),
        "annotations": dict(mc.annotations),
        "spec": {"osImageURL": mc.os_image_url},
    }


def _problem(problem: Problem) -> dict[str, str]:
    return {"severity": problem.severity.value, "subject": problem.subject, "message": problem.message}


def problems_of(plan: Plan, severity: Severity) -> list[Problem]:
    return [p for p in plan.problems if p.severity is severity]
