"""Our MachineConfig: built from a binding, projected from the live object, written with our metadata only."""

from __future__ import annotations

from dataclasses import replace

from plan_builders import HOTFIX, HOTFIX2, binding, desired, ours

from reconciler import ourmc
from reconciler.model import ANNOTATION_STAGE, MANAGED_BY_LABEL, MANAGED_BY_VALUE, ROLE_LABEL, Drift, DriftKind

MCO_ANNOTATION = ("machineconfiguration.openshift.io/generated-by-controller-version", "4.16")
OTHER_LABEL = ("team", "platform")


def test_what_we_build_for_a_binding_compares_equal_to_itself_once_written() -> None:
    want = ourmc.for_binding(binding(), desired(binding()))
    assert ourmc.compare(ourmc.as_live(want), want) == ()
    assert ourmc.from_live(ourmc.as_live(want), "worker") == want


def test_the_live_object_is_projected_to_what_we_write() -> None:
    live = ours(binding(), labels=(*ours(binding()).labels, OTHER_LABEL),
                annotations=(*ours(binding()).annotations, MCO_ANNOTATION))  # fmt: skip
    projected = ourmc.from_live(live, "worker")
    assert projected is not None and projected == ourmc.from_live(ours(binding()), "worker")
    assert OTHER_LABEL not in projected.labels and MCO_ANNOTATION not in projected.annotations
    assert ourmc.from_live(replace(live, managed=False), "worker") is None  # not ours: nothing to restore
    assert ourmc.from_live(None, "worker") is None


def test_the_written_metadata_is_ours_only_and_always_carries_our_label() -> None:
    content = ourmc.for_binding(binding(), desired(binding()))
    stray = replace(
        content, labels=(OTHER_LABEL, (ROLE_LABEL, "worker")), annotations=(*content.annotations, MCO_ANNOTATION)
    )
    labels, annotations = ourmc.metadata(stray)
    assert labels == {ROLE_LABEL: "worker", MANAGED_BY_LABEL: MANAGED_BY_VALUE}
    assert annotations == dict(content.annotations)


def test_differences_are_data_that_reads_as_before() -> None:
    want = ourmc.for_binding(binding(image=HOTFIX2, stage=1), desired(binding()))
    live = ours(binding(), kernel_type="realtime")
    found = ourmc.compare(live, want)
    assert found == (
        Drift(DriftKind.CHANGED, f"metadata.annotations[{ANNOTATION_STAGE}]", "0", "1"),
        Drift(DriftKind.ADDED, "spec.kernelType", live="realtime"),
        Drift(DriftKind.CHANGED, "spec.osImageURL", HOTFIX, HOTFIX2),
    )
    assert [str(d) for d in found] == [
        f"metadata.annotations[{ANNOTATION_STAGE}]: 0 → 1",
        "spec.kernelType: realtime added (edited outside git)",
        f"spec.osImageURL: {HOTFIX} → {HOTFIX2}",
    ]
    assert str(ourmc.deleted()) == "deleted outside git"
