"""Pure conversions from API objects (plain dicts) to the model's MachineConfigInfo and PoolState."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from reconciler.model import (
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    ROLE_LABEL,
    Condition,
    MachineConfigInfo,
    PoolState,
)

Obj = dict[str, Any]
GENERATED_BY_CONTROLLER = "machineconfiguration.openshift.io/generated-by-controller-version"
_DEFAULT_KERNELS = ("", "default")


def meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def labels_of(obj: Obj) -> dict[str, str]:
    return {str(k): str(v) for k, v in (meta(obj).get("labels") or {}).items()}


def annotations_of(obj: Obj) -> dict[str, str]:
    return {str(k): str(v) for k, v in (meta(obj).get("annotations") or {}).items()}


def is_managed(obj: Obj) -> bool:
    return labels_of(obj).get(MANAGED_BY_LABEL) == MANAGED_BY_VALUE


def machine_config_info(obj: Obj) -> MachineConfigInfo:
    spec = obj.get("spec") or {}
    labels, annotations = labels_of(obj), annotations_of(obj)
    return MachineConfigInfo(
        name=str(meta(obj).get("name", "")),
        role=labels.get(ROLE_LABEL),
        os_image_url=str(spec.get("osImageURL") or ""),
        managed=labels.get(MANAGED_BY_LABEL) == MANAGED_BY_VALUE,
        labels=tuple(sorted(labels.items())),
        annotations=tuple(sorted(annotations.items())),
        kernel_type=str(spec.get("kernelType") or ""),
        extensions=tuple(str(e) for e in spec.get("extensions") or ()),
        generated_by_controller=GENERATED_BY_CONTROLLER in annotations,
        resource_version=str(meta(obj).get("resourceVersion", "")),
        has_other_content=has_other_content(spec),
    )


def has_other_content(spec: Obj) -> bool:
    """True when the MC does more than set osImageURL (files, units, kargs, extensions, kernel, fips)."""
    config = {k: v for k, v in (spec.get("config") or {}).items() if k != "ignition"}
    return bool(
        any(_non_empty(v) for v in config.values())
        or spec.get("kernelArguments")
        or spec.get("extensions")
        or spec.get("fips")
        or spec.get("baseOSExtensionsContainerImage")
        or str(spec.get("kernelType") or "") not in _DEFAULT_KERNELS
    )


def _non_empty(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_non_empty(v) for v in value.values())
    if isinstance(value, list):
        return bool(value)
    return value not in (None, "", False)


def selector_roles(selector: Obj | None) -> tuple[str, ...]:
    """The role label values a machineConfigSelector selects (matchLabels, and `role In [...]`)."""
    selector = selector or {}
    roles: list[str] = []
    match_labels = selector.get("matchLabels") or {}
    if ROLE_LABEL in match_labels:
        roles.append(str(match_labels[ROLE_LABEL]))
    for expr in selector.get("matchExpressions") or ():
        if expr.get("key") == ROLE_LABEL and expr.get("operator") == "In":
            roles.extend(str(v) for v in expr.get("values") or ())
    return tuple(dict.fromkeys(roles))


def conditions_of(status: Obj) -> tuple[Condition, ...]:
    return tuple(
        _condition(str(c.get("type", "")), str(c.get("status", "Unknown")), str(c.get("reason") or ""),
                   str(c.get("message") or ""))
        for c in status.get("conditions") or ()
    )


@lru_cache(maxsize=4096)
def _condition(type_: str, status: str, reason: str, message: str) -> Condition:
    """One shared instance per condition (most pools report the same ones); a Condition is immutable."""
    return Condition(type_, status, reason, message)


def pool_state(obj: Obj, rendered_images: dict[str, str]) -> PoolState:
    """A pool, with the osImageURL of its target and current rendered configs looked up by name."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    target = str((spec.get("configuration") or {}).get("name") or "")
    current = str((status.get("configuration") or {}).get("name") or "")
    return PoolState(
        name=str(meta(obj).get("name", "")),
        roles=selector_roles(spec.get("machineConfigSelector")),
        paused=bool(spec.get("paused")),
        target_config=target,
        current_config=current,
        target_image=rendered_images.get(target, ""),
        target_sources=tuple(str(ref.get("name", "")) for ref in (spec.get("configuration") or {}).get("source") or ()),
        current_image=rendered_images.get(current, ""),
        machine_count=int(status.get("machineCount") or 0),
        updated_count=int(status.get("updatedMachineCount") or 0),
        ready_count=int(status.get("readyMachineCount") or 0),
        unavailable_count=int(status.get("unavailableMachineCount") or 0),
        degraded_count=int(status.get("degradedMachineCount") or 0),
        conditions=conditions_of(status),
        generation=int(meta(obj).get("generation") or 0),
        observed_generation=int(status.get("observedGeneration") or 0),
        annotations=tuple(sorted(annotations_of(obj).items())),
    )
