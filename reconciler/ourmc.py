"""Our MachineConfig, in one place: built from a binding, projected from the live object, compared. Pure.

What is ours in a MachineConfig named `99-layering-<pool>`: spec.osImageURL, the role and managed-by
labels and the annotations under `layering.gitops.dev/`. Everything else (the MCO's annotations,
other tools' labels) is never written and never compared.
"""

from __future__ import annotations

from typing import Any

from reconciler.model import (
    ANNOTATION_BINDING,
    ANNOTATION_SOURCE,
    ANNOTATION_STAGE,
    API_GROUP,
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    ROLE_LABEL,
    Binding,
    DesiredMachineConfig,
    DesiredState,
    Drift,
    DriftKind,
    MachineConfigInfo,
    mc_name_for_pool,
)

OWN_LABELS = (MANAGED_BY_LABEL, ROLE_LABEL)
OUR_ANNOTATIONS = f"{API_GROUP}/"  # the prefix of every annotation we write
# Annotations whose change means the MC must be rewritten. The source annotation is deliberately
# absent: it records the commit that last changed the MC, so a new commit alone changes nothing.
COMPARED_ANNOTATIONS = (ANNOTATION_BINDING, ANNOTATION_STAGE)


# ---- build ---------------------------------------------------------------------------------------
def for_binding(binding: Binding, desired: DesiredState) -> DesiredMachineConfig:
    """One MachineConfig per bound pool: spec holds only osImageURL."""
    labels = {ROLE_LABEL: binding.pool, MANAGED_BY_LABEL: MANAGED_BY_VALUE}
    annotations = {
        ANNOTATION_BINDING: binding.name,
        ANNOTATION_SOURCE: source_annotation(desired.repo, desired.commit, binding.location.path),
        ANNOTATION_STAGE: str(binding.stage),
    }
    return DesiredMachineConfig(
        name=mc_name_for_pool(binding.pool),
        pool=binding.pool,
        os_image_url=binding.os_image_url,
        labels=tuple(sorted(labels.items())),
        annotations=tuple(sorted(annotations.items())),
    )


def source_annotation(repo: str, commit: str, path: str) -> str:
    """`<repo>@<commit>:<path>`: where the binding came from."""
    return f"{repo}@{commit}:{path}"


def metadata(mc: DesiredMachineConfig) -> tuple[dict[str, str], dict[str, str]]:
    """(labels, annotations) as written to the API: ours only, and always our managed-by label."""
    labels = {k: v for k, v in mc.labels if k in OWN_LABELS}
    labels[MANAGED_BY_LABEL] = MANAGED_BY_VALUE
    annotations = {k: v for k, v in mc.annotations if k.startswith(OUR_ANNOTATIONS)}
    return labels, annotations


# ---- project -------------------------------------------------------------------------------------
def from_live(mc: MachineConfigInfo | None, pool: str) -> DesiredMachineConfig | None:
    """Our MC as it is on the cluster, reduced to what we write; None when absent or not ours."""
    if mc is None or not mc.managed:
        return None
    labels = tuple(sorted((k, v) for k, v in mc.labels if k in OWN_LABELS))
    annotations = tuple(sorted((k, v) for k, v in mc.annotations if k.startswith(OUR_ANNOTATIONS)))
    return DesiredMachineConfig(mc.name, pool, mc.os_image_url, labels, annotations)


def as_live(want: DesiredMachineConfig) -> MachineConfigInfo:
    """The live MC a write of `want` leaves on the cluster (for predicting renders)."""
    return MachineConfigInfo(
        name=want.name,
        role=want.pool,
        os_image_url=want.os_image_url,
        managed=True,
        labels=want.labels,
        annotations=want.annotations,
    )


# ---- compare -------------------------------------------------------------------------------------
SPEC = "spec"
LABELS = "metadata.labels"
ANNOTATIONS = "metadata.annotations"
OTHER_CONTENT = "(config, kernelArguments, …)"


def compare(live: MachineConfigInfo, want: DesiredMachineConfig) -> tuple[Drift, ...]:
    """The fields where `live` differs from `want` (ignoring the source annotation); () = in sync."""
    live_view, desired_view = _live_view(live), _desired_view(want)
    if live_view == desired_view:
        return ()  # in sync, the common case: no diff to build (nor deepdiff to import)
    from deepdiff import DeepDiff  # a quarter second to import: only once something differs

    diff = DeepDiff(live_view, desired_view, view="tree")
    found = [_drift(kind, level) for kind, levels in diff.items() for level in levels]
    return tuple(sorted(found, key=str))


def deleted() -> Drift:
    """Our MC is gone although the pool still shows its image: someone deleted it."""
    return Drift(DriftKind.DELETED)


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


def _drift(kind: str, level: Any) -> Drift:
    path = _path(level.path(output_format="list"))
    if kind == "dictionary_item_removed":  # present live, absent from what we want
        return Drift(DriftKind.ADDED, path, live=str(level.t1))
    if kind == "dictionary_item_added":  # we want it, live lacks it
        return Drift(DriftKind.MISSING, path, desired=str(level.t2))
    return Drift(DriftKind.CHANGED, path, live=str(level.t1), desired=str(level.t2))


def _path(parts: list[Any]) -> str:
    if not parts:
        return "root"
    section, *rest = (str(p) for p in parts)
    if not rest:
        return section
    if section == SPEC:
        return f"spec.{rest[0]}" if rest[0] != OTHER_CONTENT else f"spec {OTHER_CONTENT}"
    return f"{section}[{rest[0]}]"
