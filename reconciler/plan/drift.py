"""Field differences between our live MachineConfig and the one we want, in words."""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff

from reconciler.model import ROLE_LABEL, DesiredMachineConfig, MachineConfigInfo
from reconciler.plan.desired import COMPARED_ANNOTATIONS, OWN_LABELS

SPEC = "spec"
LABELS = "metadata.labels"
ANNOTATIONS = "metadata.annotations"
OTHER_CONTENT = "(config, kernelArguments, …)"
DELETED_OUTSIDE_GIT = "deleted outside git"
EDITED = "edited outside git"


def drift(live: MachineConfigInfo, want: DesiredMachineConfig) -> tuple[str, ...]:
    """Readable differences, empty when the live MC already matches (ignoring the source annotation)."""
    diff = DeepDiff(_live_view(live), _desired_view(want), view="tree")
    lines = [_describe(kind, level) for kind, levels in diff.items() for level in levels]
    return tuple(sorted(lines))


def _live_view(mc: MachineConfigInfo) -> dict[str, dict[str, str]]:
    spec: dict[str, str] = {}
    if mc.os_image_url:
        spec["osImageURL"] = mc.os_image_url
    if mc.kernel_type not in ("", "default"):
        spec["kernelType"] = mc.kernel_type
    if mc.extensions:
        spec["extensions"] = ", ".join(mc.extensions)
    if mc.has_other_content:
        spec[OTHER_CONTENT] = "content besides osImageURL"
    labels = dict(mc.labels)
    if mc.role is not None:
        labels.setdefault(ROLE_LABEL, mc.role)
    annotations = dict(mc.annotations)
    return {
        SPEC: spec,
        LABELS: {k: labels[k] for k in OWN_LABELS if k in labels},
        ANNOTATIONS: {k: annotations[k] for k in COMPARED_ANNOTATIONS if k in annotations},
    }


def _desired_view(mc: DesiredMachineConfig) -> dict[str, dict[str, str]]:
    annotations = dict(mc.annotations)
    return {
        SPEC: {"osImageURL": mc.os_image_url},
        LABELS: dict(mc.labels),
        ANNOTATIONS: {k: annotations[k] for k in COMPARED_ANNOTATIONS if k in annotations},
    }


def _describe(kind: str, level: Any) -> str:
    path = _path(level.path(output_format="list"))
    if kind == "dictionary_item_removed":  # present live, absent from what we want
        return f"{path}: {level.t1} added ({EDITED})"
    if kind == "dictionary_item_added":  # we want it, live lacks it
        return f"{path}: missing (removed outside git)"
    return f"{path}: {level.t1} → {level.t2}"


def _path(parts: list[Any]) -> str:
    if not parts:
        return "root"
    section, *rest = (str(p) for p in parts)
    if not rest:
        return section
    if section == SPEC:
        return f"spec.{rest[0]}" if rest[0] != OTHER_CONTENT else f"spec {OTHER_CONTENT}"
    return f"{section}[{rest[0]}]"
