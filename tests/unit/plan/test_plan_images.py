"""Registry metadata checks: unknown digests block a change, images built FROM an older base are stale."""

from __future__ import annotations

from plan_builders import BASE, HOTFIX, binding, desired, live, ours

from reconciler.model import ImageInfo, Severity
from reconciler.plan import make_plan

OLD_BASE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "9" * 64


def _problems(images: dict[str, ImageInfo], *extra: object) -> list[tuple[Severity, str]]:
    plan = make_plan(desired(binding()), live(*extra), images)  # type: ignore[arg-type]
    return [(p.severity, p.message) for p in plan.problems if HOTFIX in p.message]


def test_unknown_digest_blocks_a_change() -> None:
    problems = _problems({HOTFIX: ImageInfo(HOTFIX, found=False)})
    assert problems and problems[0][0] is Severity.BLOCKING
    assert "manifest unknown" in problems[0][1]


def test_unknown_digest_of_an_unchanged_binding_only_warns() -> None:
    problems = _problems({HOTFIX: ImageInfo(HOTFIX, found=False)}, ours(binding()))
    assert [severity for severity, _ in problems] == [Severity.WARNING]


def test_image_built_from_an_older_base_blocks_a_change() -> None:
    old_digest = OLD_BASE.rpartition("@")[2]
    problems = _problems({HOTFIX: ImageInfo(HOTFIX, base_name=OLD_BASE, base_digest=old_digest)})
    assert problems == [(Severity.BLOCKING, problems[0][1])]
    assert "stale" in problems[0][1] and OLD_BASE in problems[0][1]


def test_allow_stale_base_turns_the_block_into_a_warning() -> None:
    info = ImageInfo(HOTFIX, base_name=OLD_BASE, base_digest=OLD_BASE.rpartition("@")[2])
    plan = make_plan(desired(binding()), live(), {HOTFIX: info}, allow_stale_base=True)
    assert [p.severity for p in plan.problems if HOTFIX in p.message] == [Severity.WARNING]


def test_an_applied_binding_gone_stale_after_an_upgrade_only_warns() -> None:
    info = ImageInfo(HOTFIX, base_name=OLD_BASE, base_digest=OLD_BASE.rpartition("@")[2])
    problems = _problems({HOTFIX: info}, ours(binding()))
    assert [severity for severity, _ in problems] == [Severity.WARNING]


def test_image_built_from_the_current_base_is_fine() -> None:
    info = ImageInfo(HOTFIX, base_name=BASE, base_digest=BASE.rpartition("@")[2])
    assert _problems({HOTFIX: info}) == []


def test_unreachable_registry_warns_and_concludes_nothing() -> None:
    problems = _problems({HOTFIX: ImageInfo(HOTFIX, error="registry unreachable (refused)")})
    assert [severity for severity, _ in problems] == [Severity.WARNING]


def test_without_metadata_no_image_check_runs() -> None:
    assert _problems({}) == []
