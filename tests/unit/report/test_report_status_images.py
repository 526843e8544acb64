"""render_status / status_to_dict, and the image shortening every renderer shares."""

from __future__ import annotations

import json

import pytest
from report_builders import BASE, COMMIT, HOTFIX, HOTFIX2, REPO, sample_desired, sample_live

from reconciler.report import render_status, status_to_dict
from reconciler.report.images import short_image, shorten_text, shortener


def test_status_dict_has_the_documented_shape() -> None:
    doc = status_to_dict(sample_live(), sample_desired(), phases={"worker": "rolling"})
    assert (doc["schemaVersion"], doc["kind"], doc["releaseVersion"], doc["baseImage"]) == (
        1,
        "Status",
        "4.16.3",
        BASE,
    )
    assert doc["desired"] == {"repo": REPO, "commit": COMMIT}
    master, worker = doc["pools"]
    assert master["name"] == "master" and master["binding"] is None and master["machineConfig"] is None
    assert master["conditions"] == {"Updated": None, "Updating": None, "Degraded": None}
    assert master["phase"] is None
    assert {k: worker[k] for k in ("binding", "desiredImage", "targetImage", "currentImage", "phase")} == {
        "binding": "worker-hotfix",
        "desiredImage": HOTFIX2,
        "targetImage": HOTFIX2,
        "currentImage": HOTFIX,
        "phase": "rolling",
    }
    assert worker["machineConfig"] == {
        "name": "99-layering-worker",
        "image": HOTFIX2,
        "binding": "worker-hotfix",
        "source": f"{REPO}@{COMMIT}:bindings/worker.yaml",
    }
    assert worker["conditions"] == {"Updated": "False", "Updating": "True", "Degraded": "True"}
    assert worker["conditionDetails"][2] == {
        "type": "Degraded",
        "status": "True",
        "reason": "NodeDegraded",
        "message": "1 node degraded",
    }
    counts = ("machineCount", "updatedMachineCount", "readyMachineCount", "degradedMachineCount")
    assert [worker[k] for k in counts] == [3, 1, 2, 1]
    assert [n["name"] for n in doc["nodes"]] == ["worker-0", "worker-1"]
    assert doc["nodes"][1] == {
        "name": "worker-1",
        "pool": "worker",
        "currentConfig": "rendered-worker-a",
        "desiredConfig": "rendered-worker-b",
        "state": "Degraded",
        "reason": "failed to drain node: worker-1 after 1 hour",
        "phase": "draining",
        "ready": True,
        "unschedulable": True,
    }


def test_status_without_a_repository_has_no_bindings() -> None:
    doc = status_to_dict(sample_live(), None)
    assert doc["desired"] is None
    assert [p["binding"] for p in doc["pools"]] == [None, None]
    assert doc["pools"][1]["machineConfig"]["name"] == "99-layering-worker"


def test_status_json_and_table() -> None:
    live, desired = sample_live(), sample_desired()
    assert json.loads(render_status(live, desired, "json")) == status_to_dict(live, desired)
    table = render_status(live, desired, "table")
    assert "\x1b[" not in table
    assert "Cluster: OpenShift 4.16.3, base image ocp-v4.0-art-dev@sha256:000000…0000" in table
    worker_row = next(
        line for line in table.splitlines() if line.strip().startswith("worker   worker-hotfix")
    )
    assert "rhcos-hotfix@sha256:9bc222…2777" in worker_row and "1/2/1 of 3" in worker_row
    assert "rendered-worker-bbbbbbbbbb" in table and "rendered-worker-aaaaaaaaaa" in table
    assert "failed to drain node: worker-1 after 1 hour" in table
    assert "Degraded, cordoned" in table
    assert "Phase" not in _pool_header(table)  # the rollout phase column appears only when phases are known
    with_phases = render_status(live, desired, "table", phases={"worker": "rolling"})
    assert _pool_header(with_phases).endswith("Phase")
    assert "rolling" in with_phases


def _pool_header(table: str) -> str:
    return next(line for line in table.splitlines() if "Binding" in line).rstrip()


def test_status_refuses_markdown() -> None:
    with pytest.raises(ValueError, match="use one of table, json"):
        render_status(sample_live(), None, "markdown")


def test_short_image_keeps_the_name_and_both_ends_of_the_digest() -> None:
    assert short_image(HOTFIX) == "rhcos-hotfix@sha256:8afacc…8010"
    assert short_image("quay.io/a/b:v1") == "b:v1"


def test_shortener_lengthens_names_until_they_are_unambiguous() -> None:
    twin = HOTFIX[:-20] + "9" * 16 + "8010"  # same first 6 and last 4 digest characters
    short = shortener([HOTFIX, twin])
    assert short(HOTFIX) != short(twin)
    assert short(HOTFIX) == "rhcos-hotfix@sha256:8afacc111111…11118010"
    mirror = HOTFIX.replace("quay.io/my-registry", "registry.example.com/mirror")
    short = shortener([HOTFIX, mirror])
    assert short(mirror) == "registry.example.com/mirror/rhcos-hotfix@sha256:8afacc111111…11118010"


def test_shorten_text_rewrites_images_inside_messages() -> None:
    short = shortener([HOTFIX, HOTFIX2])
    assert shorten_text(f"spec.osImageURL: {HOTFIX} → {HOTFIX2}", short) == (
        "spec.osImageURL: rhcos-hotfix@sha256:8afacc…8010 → rhcos-hotfix@sha256:9bc222…2777"
    )
