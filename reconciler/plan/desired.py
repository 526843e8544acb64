"""The MachineConfig we want for one binding."""

from __future__ import annotations

from reconciler.model import (
    ANNOTATION_BINDING,
    ANNOTATION_SOURCE,
    ANNOTATION_STAGE,
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    ROLE_LABEL,
    Binding,
    DesiredMachineConfig,
    DesiredState,
    mc_name_for_pool,
)

# Annotations whose change means the MC must be rewritten. The source annotation is deliberately
# absent: it records the commit that last changed the MC, so a new commit alone changes nothing.
COMPARED_ANNOTATIONS = (ANNOTATION_BINDING, ANNOTATION_STAGE)
OWN_LABELS = (MANAGED_BY_LABEL, ROLE_LABEL)


def desired_machine_config(binding: Binding, desired: DesiredState) -> DesiredMachineConfig:
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
