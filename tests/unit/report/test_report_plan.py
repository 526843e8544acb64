"""render_plan / plan_to_dict: the stable JSON, the terminal table and the pull-request markdown."""

from __future__ import annotations

import json

import pytest
from report_builders import BASE, CANARY, COMMIT, HOTFIX, HOTFIX2, REPO, sample_plan, wanted

from reconciler.model import Action, ActionKind, Impact, Plan
from reconciler.report import plan_to_dict, render_plan, summary_line

SUMMARY = "Plan: 1 to create, 1 to update, 1 to delete, 1 unchanged (5 nodes will reboot)"


def test_plan_dict_has_the_documented_shape() -> None:
    doc = plan_to_dict(sample_plan())
    assert {k: doc[k] for k in ("schemaVersion", "kind", "repo", "commit", "inSync", "blocked")} == {
        "schemaVersion": 1,
        "kind": "Plan",
        "repo": REPO,
        "commit": COMMIT,
        "inSync": False,
        "blocked": True,
    }
    assert doc["summary"] == {"create": 1, "update": 1, "delete": 1, "unchanged": 1, "nodesToReboot": 5}
    update = doc["actions"][3]
    assert update == {
        "pool": "worker",
        "action": "update",
        "machineConfig": "99-layering-worker",
        "oldImage": HOTFIX,
        "newImage": HOTFIX2,
        "binding": {
            "name": "worker-hotfix",
            "stage": 1,
            "window": None,
            "acceptConflicts": False,
            "location": "bindings/worker.yaml:4:3",
        },
        "liveResourceVersion": "41",
        "drift": [
            f"spec.osImageURL: {HOTFIX} → {HOTFIX2}",
            "spec.kernelType: realtime added (edited outside git)",
        ],
        "driftDetails": [
            {"kind": "changed", "field": "spec.osImageURL", "live": HOTFIX, "desired": HOTFIX2},
            {"kind": "added", "field": "spec.kernelType", "live": "realtime", "desired": None},
        ],
        "impact": {"pools": ["worker"], "nodesToReboot": 2},
        "desired": {
            "name": "99-layering-worker",
            "labels": {"app.kubernetes.io/managed-by": "layering-reconciler"},
            "annotations": {"layering.gitops.dev/binding": "worker-hotfix"},
            "spec": {"osImageURL": HOTFIX2},
        },
    }
    assert doc["actions"][1]["desired"] is None and doc["actions"][1]["newImage"] is None
    assert doc["problems"][0] == {
        "severity": "blocking",
        "subject": "MachineConfigPool/worker",
        "message": "MachineConfig 99-zz-image | shadows ours",
    }


def test_json_output_is_the_dict() -> None:
    text = render_plan(sample_plan(), "json")
    assert json.loads(text) == plan_to_dict(sample_plan())
    assert text.endswith("}\n")


def test_table_shows_rows_short_images_drift_problems_summary_and_commit() -> None:
    text = render_plan(sample_plan(), "table")
    assert "\x1b[" not in text
    worker_row = next(line for line in text.splitlines() if line.strip().startswith("worker"))
    assert "update" in worker_row and "99-layering-worker" in worker_row and "2 (worker)" in worker_row
    assert "rhcos-hotfix@sha256:8afacc…8010 →" in text and "rhcos-hotfix@sha256:9bc222…2777" in text
    assert HOTFIX not in text  # digests are shortened everywhere
    assert "99-layering-worker: spec.kernelType: realtime added (edited outside git)" in text
    assert "spec.osImageURL" not in text  # already shown as old → new in the image column
    assert "adds extensions [usbguard]" in text  # brackets are not read as markup
    assert SUMMARY in text
    assert "Blocked: nothing will be written" in text
    assert f"Commit: {COMMIT} ({REPO})" in text


def test_markdown_is_a_pull_request_comment() -> None:
    text = render_plan(sample_plan(), "markdown")
    lines = text.splitlines()
    assert lines[0] == "### Layering plan for `3f9c2d1e8b7a`"
    assert "| Pool | Action | MachineConfig | Image | Nodes to reboot | Drift |" in lines
    assert (
        "| worker | **update** | `99-layering-worker` | rhcos-hotfix@sha256:8afacc…8010 → "
        "rhcos-hotfix@sha256:9bc222…2777 | 2 (worker) | "
        "spec.kernelType: realtime added (edited outside git) |"
    ) in lines
    assert "- ⛔ `MachineConfigPool/worker`: MachineConfig 99-zz-image | shadows ours" in lines
    assert "- ⚠ `MachineConfigPool/worker`: MachineConfig 80-ext adds extensions [usbguard]" in lines
    assert f"**{SUMMARY}**" in lines
    assert any(line.startswith("> Each change is a drain-and-reboot: 5 nodes") for line in lines)


def test_markdown_escapes_pipes_inside_cells() -> None:
    plan = sample_plan()
    odd = Action("x|y", ActionKind.CREATE, "99-layering-x", None, BASE, desired=wanted(CANARY), impact=Impact((), 0))
    text = render_plan(Plan(plan.repo, plan.commit, (odd,)), "markdown")
    assert "| x\\|y | **create** |" in text


def test_in_sync_plan_says_so() -> None:
    unchanged = Action("worker", ActionKind.UNCHANGED, "99-layering-worker", HOTFIX, HOTFIX)
    plan = Plan(REPO, COMMIT, (unchanged,))
    assert (
        summary_line(plan) == "Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged (0 nodes will reboot)"
    )
    assert "No changes: the cluster already matches this commit." in render_plan(plan, "markdown")
    assert "Blocked" not in render_plan(plan, "table")


def test_summary_says_one_node_in_the_singular() -> None:
    one = Action(
        "canary", ActionKind.CREATE, "99-layering-canary", None, HOTFIX, desired=wanted(CANARY),
        impact=Impact(("canary",), 1),
    )
    assert summary_line(Plan(REPO, COMMIT, (one,))).endswith("(1 node will reboot)")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown output format 'yaml'"):
        render_plan(sample_plan(), "yaml")
