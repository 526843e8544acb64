"""The simulated registry: the shared image table, pulls, tags and faults."""

from __future__ import annotations

import hashlib

import pytest

from mcosim.registry import PullError, Registry

HOTFIX1 = (
    "quay.io/my-registry/rhcos-hotfix@sha256:8afaccbbe78087b87335a43c082f78d3f663a1865a92ed709154d29d50eb8010"
)
BAD = "quay.io/my-registry/rhcos-hotfix@sha256:" + "0" * 61 + "bad"


def test_default_images_match_the_shared_table() -> None:
    registry = Registry.default()
    labels = {image.label: image for image in registry.images.values()}
    for label, image in labels.items():
        assert image.digest == "sha256:" + hashlib.sha256(label.encode()).hexdigest()
    assert labels["rhcos-hotfix-4.16-hotfix1"].ref == HOTFIX1
    assert labels["rhcos-hotfix-4.16-hotfix1"].base == registry.release("4.16.3").base.ref
    assert labels["rhcos-hotfix-4.16.9-hotfix1"].base == registry.release("4.16.9").base.ref
    assert labels["rhcos-rt-4.16"].realtime and labels["rhcos-usbguard-4.16"].ships("usbguard")
    assert not labels["rhcos-hotfix-4.16-hotfix2"].ships("usbguard")


def test_pull_by_digest_and_tag_and_unknown_digest_fails_like_rpm_ostree() -> None:
    registry = Registry.default()
    assert registry.pull(HOTFIX1).tags == ("4.16-hotfix1",)
    assert registry.pull("quay.io/my-registry/rhcos-hotfix:4.16-hotfix1").ref == HOTFIX1
    with pytest.raises(PullError, match="manifest unknown"):
        registry.pull(BAD)


def test_moving_a_tag_changes_what_it_resolves_to() -> None:
    registry = Registry.default()
    hotfix2 = registry.pull("quay.io/my-registry/rhcos-hotfix:4.16-hotfix2")
    registry.move_tag("quay.io/my-registry/rhcos-hotfix", "4.16-hotfix1", hotfix2.digest)
    assert registry.pull("quay.io/my-registry/rhcos-hotfix:4.16-hotfix1").ref == hotfix2.ref


def test_added_images_and_pull_faults() -> None:
    registry = Registry.default()
    pinned = registry.add("quay.io/other/img@sha256:" + "a" * 64)
    tagged = registry.add("quay.io/other/img:v2")
    assert registry.pull(pinned.ref) == pinned and registry.pull("quay.io/other/img:v2") == tagged
    registry.set_failing(HOTFIX1)
    with pytest.raises(PullError, match="i/o timeout"):
        registry.pull(HOTFIX1)
    registry.set_failing(HOTFIX1, False)
    assert registry.pull(HOTFIX1)
    with pytest.raises(ValueError):
        registry.add("quay.io/other/img@sha256:short")
