"""Preflight checks that need registry metadata: does the digest exist, and was the image built FROM
the cluster's current base image? Only run where metadata is available (ImageInfo per image)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reconciler.model import Action, ActionKind, ImageInfo, LiveState, Problem
from reconciler.plan.checks import binding_subject, blocking, warning


def image_problems(actions: Sequence[Action], live: LiveState, images: Mapping[str, ImageInfo]) -> list[Problem]:
    found: list[Problem] = []
    for action in actions:
        binding = action.binding
        info = images.get(binding.os_image_url) if binding else None
        if binding is None or info is None:
            continue
        subject = binding_subject(binding)
        if info.error:
            found.append(warning(subject, f"could not inspect {info.ref}: {info.error}"))
        elif not info.found:
            message = (f"{info.ref}: the registry does not know this digest (manifest unknown); "
                       "every node would fail to pull it")
            changing = action.kind in (ActionKind.CREATE, ActionKind.UPDATE)
            found.append(blocking(subject, message) if changing else warning(subject, message))
        elif _built_from_other_base(info, live.base_image):
            found.append(warning(subject, (
                f"{info.ref} was built FROM {info.base_name or info.base_digest}, but the cluster's base image is "
                f"now {live.base_image} (release {live.release_version or 'unknown'}): the binding is stale; "
                "rebuild the image FROM the current base and bump the digest")))
    return found


def _built_from_other_base(info: ImageInfo, base_image: str) -> bool:
    if not base_image or not (info.base_digest or info.base_name):
        return False
    current_digest = base_image.rpartition("@")[2] if "@" in base_image else ""
    if info.base_digest and current_digest:
        return info.base_digest != current_digest
    return info.base_name != base_image
