"""Preflight per image: exists, base (RHCOS version label), architectures of the pool's nodes, bootable."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from plan_builders import BASE, HOTFIX, binding, desired, live, ours

from reconciler.model import CheckResult, ImageInfo, LiveState, NodeState, Plan, Severity
from reconciler.plan import make_plan

BASE_VERSION = "416.94.202407081958-0"
OLDER = "416.94.202406010000-0"
NEWER = "417.94.202409010000-0"


def image(version: str = BASE_VERSION, arches: tuple[str, ...] = ("amd64",), multi: bool = False,
          bootable: str = "true") -> ImageInfo:
    labels = (("ostree.bootable", bootable), ("version", version))
    return ImageInfo(HOTFIX, labels=labels, architectures=arches, multi_arch=multi, config_read=True)


BASE_INFO = ImageInfo(BASE, labels=(("ostree.bootable", "true"), ("version", BASE_VERSION)),
                      architectures=("amd64",), config_read=True)


def with_nodes(*arches: str) -> LiveState:
    nodes = tuple(NodeState(f"w{i}", "worker", arch=arch) for i, arch in enumerate(arches))
    return replace(live(), nodes=nodes)


def plan_for(info: ImageInfo, state: LiveState | None = None, applied: bool = False,
             allow_stale_base: bool = False) -> Plan:
    state = state or with_nodes("amd64")
    if applied:
        state = replace(state, machine_configs=(*state.machine_configs, ours(binding())))
    return make_plan(desired(binding()), state, {HOTFIX: info, BASE: BASE_INFO}, allow_stale_base)


def results(plan: Plan) -> dict[str, CheckResult]:
    return {c.check: c.result for c in plan.image_checks if c.image == HOTFIX}


def severities(plan: Plan) -> list[Severity]:
    return [p.severity for p in plan.problems if HOTFIX in p.message]


def test_a_good_image_passes_every_check() -> None:
    plan = plan_for(image())
    assert results(plan) == dict.fromkeys(("exists", "base", "arch", "bootable"), CheckResult.PASS)
    assert not plan.problems


def test_unknown_digest_blocks_and_skips_the_rest() -> None:
    plan = plan_for(ImageInfo(HOTFIX, found=False))
    assert results(plan) == {"exists": CheckResult.FAIL} and severities(plan) == [Severity.BLOCKING]


def test_older_rhcos_version_blocks_a_change_unless_allowed() -> None:
    plan = plan_for(image(OLDER))
    assert results(plan)["base"] is CheckResult.FAIL and severities(plan) == [Severity.BLOCKING]
    assert OLDER in plan.problems[0].message and "--allow-stale-base" in plan.problems[0].message
    assert severities(plan_for(image(OLDER), allow_stale_base=True)) == [Severity.WARNING]
    assert severities(plan_for(image(OLDER), applied=True)) == [Severity.WARNING]


def test_newer_rhcos_version_warns() -> None:
    plan = plan_for(image(NEWER))
    assert results(plan)["base"] is CheckResult.WARN and severities(plan) == [Severity.WARNING]


def test_a_missing_architecture_blocks() -> None:
    plan = plan_for(image(arches=("amd64",), multi=True), with_nodes("amd64", "arm64"))
    assert results(plan)["arch"] is CheckResult.FAIL and severities(plan) == [Severity.BLOCKING]
    assert "arm64" in plan.problems[0].message


def test_a_manifest_list_with_every_architecture_passes() -> None:
    plan = plan_for(image(arches=("amd64", "arm64"), multi=True), with_nodes("amd64", "arm64"))
    assert results(plan)["arch"] is CheckResult.PASS and not plan.problems


def test_not_bootable_blocks() -> None:
    plan = plan_for(image(bootable=""))
    assert results(plan)["bootable"] is CheckResult.FAIL and severities(plan) == [Severity.BLOCKING]


def test_unknown_metadata_skips_instead_of_guessing() -> None:
    plan = plan_for(ImageInfo(HOTFIX), live())  # no config read, no node architectures
    assert results(plan) == {"exists": CheckResult.PASS, "base": CheckResult.SKIPPED,
                             "arch": CheckResult.SKIPPED, "bootable": CheckResult.SKIPPED}
    assert not plan.problems


@pytest.mark.parametrize("info", [ImageInfo(HOTFIX, error="registry unreachable")])
def test_an_uninspectable_image_warns(info: ImageInfo) -> None:
    plan = plan_for(info)
    assert results(plan) == {"exists": CheckResult.SKIPPED} and severities(plan) == [Severity.WARNING]


ARCHES = st.sampled_from(["amd64", "arm64", "ppc64le", "s390x"])


@given(nodes=st.lists(ARCHES, min_size=1, max_size=5), offered=st.lists(ARCHES, min_size=1, max_size=4, unique=True))
def test_arch_blocks_exactly_when_a_node_architecture_is_not_offered(nodes: list[str], offered: list[str]) -> None:
    plan = plan_for(image(arches=tuple(offered), multi=True), with_nodes(*nodes))
    blocked = not set(nodes) <= set(offered)
    assert (results(plan)["arch"] is CheckResult.FAIL) == blocked
    assert plan.blocked == blocked
