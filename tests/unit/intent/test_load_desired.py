"""load_desired and check on real YAML text: valid repositories, schema errors, semantic errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from intent_cases import HOTFIX1, HOTFIX2, POLICY, RT, binding, snapshot

from reconciler.errors import InvalidInput
from reconciler.intent import check, load_desired
from reconciler.model import Binding, Location, Snapshot, Window

EXAMPLE_REPO = Path(__file__).resolve().parents[3] / "example-repo"


def example_snapshot() -> Snapshot:
    files = {str(p.relative_to(EXAMPLE_REPO)): p.read_bytes() for p in EXAMPLE_REPO.rglob("*.yaml")}
    return Snapshot(repo="example", commit="", files=files)


def test_example_repo_loads() -> None:
    desired = load_desired(example_snapshot())
    assert desired.bindings == (
        Binding(
            name="worker-hotfix",
            pool="worker",
            os_image_url=HOTFIX1,
            stage=1,
            location=Location("bindings/worker.yaml", 4, 1),
        ),
    )
    policy = desired.policy
    assert (policy.bake_seconds, policy.on_degraded, policy.allow_empty) == (600, "halt", False)
    assert policy.registries == ("quay.io/my-registry/",)
    assert policy.windows == (Window("weeknights", "0 22 * * mon,tue,wed,thu,fri", 21600, "Europe/Berlin"),)
    assert (policy.overrun, policy.stall_seconds) == ("finish", 3600)
    assert policy.location == Location("layering.yaml", 3, 1)


def test_multi_document_file_and_defaults() -> None:
    text = (
        "---\n# nothing here\n---\n"
        + binding()
        + "---\n"
        + binding("infra", "infra", RT, "  stage: 2\n")
        + "---\n"
    )
    desired = load_desired(snapshot({"bindings/all.yml": text}, policy=None))
    assert [(b.name, b.pool, b.stage, b.location.line) for b in desired.bindings] == [
        ("worker-hotfix", "worker", 0, 4),
        ("infra", "infra", 2, 12),
    ]
    assert desired.policy.bake_seconds == 600 and desired.policy.stall_seconds == 3600
    assert (desired.repo, desired.commit) == ("file:///repo", "a" * 40)


def test_tag_instead_of_digest_points_at_the_value() -> None:
    tagged = "quay.io/my-registry/rhcos-hotfix:4.16-hotfix1"
    problems = check(snapshot({"bindings/x.yaml": binding(image=tagged)}))
    assert len(problems) == 1
    assert problems[0].startswith(
        "bindings/x.yaml:7:15: spec.osImageURL: image 'quay.io/my-registry/rhcos-hotfix:4.16-hotfix1' "
        "is not pinned by digest (tag ':4.16-hotfix1'); "
        "pin it as quay.io/my-registry/rhcos-hotfix@sha256:<64 hex>"
    )
    assert "skopeo inspect docker://" in problems[0] and "oc image info" in problems[0]
    with pytest.raises(InvalidInput) as caught:
        load_desired(snapshot({"bindings/x.yaml": binding(image=tagged)}))
    assert caught.value.problems == problems


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("quay.io/My-Registry/x@sha256:" + "a" * 64, "repository must be lowercase"),
        ("quay.io/my-registry/x@sha256:abc", "64 hex characters, got 3"),
        ("quay.io/my-registry/x@sha512:" + "a" * 64, "digest must be sha256"),
        ("my-registry/x@sha256:" + "a" * 64, "must start with the registry host"),
        ("quay.io/my-registry/x:1@sha256:" + "a" * 64, "not a tag and a digest"),
    ],
)
def test_malformed_image_references(image: str, expected: str) -> None:
    problems = check(snapshot({"bindings/x.yaml": binding(image=image)}, policy=None))
    assert len(problems) == 1 and problems[0].startswith("bindings/x.yaml:7:15: spec.osImageURL: ")
    assert expected in problems[0]


def test_unknown_field_with_suggestion_and_missing_field() -> None:
    text = binding().replace("  osImageURL:", "  osImageUrl:") + "  stgae: 1\n"
    assert check(snapshot({"bindings/w.yaml": text})) == [
        "bindings/w.yaml:6:3: missing required field 'spec.osImageURL'",
        "bindings/w.yaml:7:3: unknown field 'spec.osImageUrl' (did you mean 'osImageURL'?)",
        "bindings/w.yaml:8:3: unknown field 'spec.stgae' (did you mean 'stage'?)",
    ]


def test_wrong_types() -> None:
    text = binding(extra="  stage: one\n  acceptConflicts: yes\n")
    assert check(snapshot({"bindings/w.yaml": text})) == [
        "bindings/w.yaml:8:10: spec.stage: must be an integer, got string 'one'",
        "bindings/w.yaml:9:20: spec.acceptConflicts: must be true or false, got string 'yes'",
    ]
    negative = check(snapshot({"bindings/w.yaml": binding(extra="  stage: -1\n")}))
    assert negative == ["bindings/w.yaml:8:10: spec.stage: must be 0 or more, got -1"]


def test_wrong_kind_and_api_version() -> None:
    text = binding().replace("v1alpha1", "v1") + "---\n" + POLICY
    assert check(snapshot({"bindings/w.yaml": text})) == [
        "bindings/w.yaml:1:13: apiVersion: must be layering.gitops.dev/v1alpha1, "
        "got string 'layering.gitops.dev/v1'",
        "bindings/w.yaml:10:7: a LayeringPolicy belongs in layering.yaml, not under bindings/",
    ]


def test_duplicate_names_and_two_bindings_for_one_pool() -> None:
    files = {
        "bindings/a.yaml": binding("hotfix", "worker"),
        "bindings/b.yaml": binding("hotfix", "infra", HOTFIX2)
        + "---\n"
        + binding("other", "worker", HOTFIX2),
    }
    assert check(snapshot(files)) == [
        "bindings/b.yaml:4:9: duplicate binding name 'hotfix' (also at bindings/a.yaml:1:1)",
        "bindings/b.yaml:14:9: pool 'worker' already has binding 'hotfix' at bindings/a.yaml:1:1; "
        "bind each pool at most once",
    ]


def test_registry_not_allowed_and_undefined_window() -> None:
    other = "registry.example.com/team/rhcos@sha256:" + "b" * 64
    sneaky = "quay.io/my-registry-old/rhcos@sha256:" + "c" * 64
    files = {
        "bindings/a.yaml": binding("a", "a", other),
        "bindings/b.yaml": binding("b", "b", sneaky, "  window: weekends\n"),
        "bindings/c.yaml": binding("c", "c", HOTFIX1, "  window: weeknights\n"),
    }
    assert check(snapshot(files)) == [
        "bindings/a.yaml:7:15: spec.osImageURL: registry not allowed by layering.yaml "
        "(allowed: quay.io/my-registry/)",
        "bindings/b.yaml:7:15: spec.osImageURL: registry not allowed by layering.yaml "
        "(allowed: quay.io/my-registry/)",
        "bindings/b.yaml:8:11: spec.window: window 'weekends' is not defined in layering.yaml "
        "(defined: weeknights)",
    ]


def test_bad_policy_values_are_all_reported_at_once() -> None:
    policy = POLICY.replace('"0 22 * * 1-5"', '"0 25 * * 1-5"').replace("Europe/Berlin", "Mars/Olympus")
    policy = policy.replace("bakeTime: 10m", "bakeTime: 10 minutes\n  onDegraded: panic\n  overrun: later")
    problems = check(snapshot({"bindings/w.yaml": binding()}, policy=policy))
    assert [p.split(": ", 1)[0] for p in problems] == [
        "layering.yaml:6:13",
        "layering.yaml:7:15",
        "layering.yaml:8:12",
        "layering.yaml:12:17",
        "layering.yaml:14:17",
    ]
    assert "spec.bakeTime: '10 minutes' is not a duration; write e.g. 90, 90s, 10m, 1h30m, 1.5h, 1d, 0" in problems[0]
    assert "spec.onDegraded: must be one of halt, rollback, got string 'panic'" in problems[1]
    assert "spec.overrun: must be one of finish, pause" in problems[2]
    # cron and time zone are checked although the schema fails elsewhere in the same document
    assert problems[3:] == [
        "layering.yaml:12:17: spec.windows[0].schedule: invalid cron schedule '0 25 * * 1-5': "
        "Error validating expression '25': the last value (25) is higher than the maximum value (23); "
        'expected minute hour day-of-month month day-of-week, e.g. "0 22 * * 1-5"',
        "layering.yaml:14:17: spec.windows[0].timeZone: unknown time zone 'Mars/Olympus' "
        "(use an IANA name such as Europe/Berlin or UTC)",
    ]


def test_invalid_policy_suppresses_checks_against_it() -> None:
    policy = POLICY.replace("bakeTime: 10m", "bakeTim: 10m")
    files = {"bindings/w.yaml": binding(image="other.io/x/y@sha256:" + "d" * 64, extra="  window: nope\n")}
    assert check(snapshot(files, policy=policy)) == [
        "layering.yaml:6:3: unknown field 'spec.bakeTim' (did you mean 'bakeTime'?)",
    ]


def test_every_problem_at_once_sorted_with_source_refusals() -> None:
    snap = snapshot(
        {
            "bindings/b.yaml": binding(image="quay.io/my-registry/x:latest"),
            "bindings/a.yaml": "a: [1\n",
            "bindings/c.yaml": b"kind: \xff\n",
            "README.md": "ignored",
        }
    )
    snap = Snapshot(snap.repo, snap.commit, snap.files, ("bindings/big.yaml: file is too large; refused",))
    problems = check(snap)
    assert [p.split(": ", 1)[0] for p in problems] == [
        "bindings/a.yaml:2:1",
        "bindings/b.yaml:7:15",
        "bindings/big.yaml",
        "bindings/c.yaml:1:7",
    ]


def test_kubernetes_metadata_is_accepted_as_string_maps() -> None:
    labelled = binding().replace("metadata:\n", "metadata:\n  labels: {team: a}\n  annotations: {note: b}\n")
    assert check(snapshot({"bindings/w.yaml": labelled})) == []
    wrong = binding().replace("metadata:\n", "metadata:\n  labels: {team: 1, '': v}\n  annotations: [a]\n")
    assert check(snapshot({"bindings/w.yaml": wrong})) == [
        "bindings/w.yaml:4:11: metadata.labels: key '' must not be empty",
        "bindings/w.yaml:4:18: metadata.labels.team: must be a string, got int 1",
        "bindings/w.yaml:5:16: metadata.annotations: must be a mapping, got a list",
    ]
