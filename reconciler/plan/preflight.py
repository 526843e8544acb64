"""Preflight checks of each bound image, from registry metadata, before a single node drains.

- exists: the registry knows the digest (else every node would fail to pull it).
- base: the image was built FROM the cluster's current base image: its inherited RHCOS `version`
  label equals the base image's, and its base-image annotations (when present) name that image.
- arch: every architecture among the pool's nodes (`kubernetes.io/arch`) is offered.
- bootable: the config carries `ostree.bootable=true`, as RHCOS images do.

A failed exists/arch/bootable check blocks a change. An image built FROM an older base blocks a
change (the cluster was upgraded since it was built) unless `allow_stale_base`; for a binding already
applied it is a warning, since nothing is written for it. A binding already applied only warns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

from reconciler.model import Action, ActionKind, CheckResult, ImageCheck, ImageInfo, LiveState, Problem
from reconciler.plan.checks import binding_subject, blocking, warning

VERSION_LABEL = "version"
BOOTABLE_LABEL = "ostree.bootable"
UNKNOWN_DIGEST = "the registry does not know this digest (manifest unknown); every node would fail to pull it"


def image_checks(actions: Sequence[Action], live: LiveState, images: Mapping[str, ImageInfo],
                 allow_stale_base: bool = False) -> tuple[list[ImageCheck], list[Problem]]:
    checks: list[ImageCheck] = []
    problems: list[Problem] = []
    for action in actions:
        binding = action.binding
        info = images.get(binding.os_image_url) if binding else None
        if binding is None or info is None:
            continue
        changing = action.kind in (ActionKind.CREATE, ActionKind.UPDATE)
        for check in _checks_of(action, info, live, images.get(live.base_image)):
            checks.append(check)
            if check.result is CheckResult.PASS or not check.detail:
                continue
            block = check.result is CheckResult.FAIL and changing and not (check.check == "base" and allow_stale_base)
            problem = blocking if block else warning
            problems.append(problem(binding_subject(binding), f"{info.ref}: {check.detail}"))
    return checks, problems


def _checks_of(action: Action, info: ImageInfo, live: LiveState, base: ImageInfo | None) -> list[ImageCheck]:
    """Every check of one image; when the digest is unknown or unreadable, only that one."""
    def make(name: str, result: CheckResult, detail: str = "") -> ImageCheck:
        return ImageCheck(action.pool, info.ref, name, result, detail)

    if info.error:
        return [make("exists", CheckResult.SKIPPED, f"could not inspect: {info.error}")]
    if not info.found:
        return [make("exists", CheckResult.FAIL, UNKNOWN_DIGEST)]
    return [
        make("exists", CheckResult.PASS, f"via the mirror {info.served_by}" if info.served_by else ""),
        _base_check(make, info, live, base),
        _arch_check(make, info, _pool_arches(action, live)),
        _bootable_check(make, info),
    ]


def _base_check(make: _Make, info: ImageInfo, live: LiveState, base: ImageInfo | None) -> ImageCheck:
    image_version = info.label(VERSION_LABEL)
    base_version = base.label(VERSION_LABEL) if base is not None else ""
    by_annotation = _other_base_by_annotation(info, live.base_image)
    if image_version and base_version and image_version != base_version:
        if _version_key(image_version) > _version_key(base_version):
            return make("base", CheckResult.WARN, f"built FROM a newer RHCOS ({image_version}) than the cluster's "
                        f"base image ({base_version}, release {live.release_version or 'unknown'})")
        return make("base", CheckResult.FAIL, _stale(f"RHCOS {image_version}", live, base_version))
    if by_annotation:
        return make("base", CheckResult.FAIL, _stale(info.base_name or info.base_digest, live, base_version))
    if (image_version and base_version) or by_annotation is False:
        return make("base", CheckResult.PASS, f"RHCOS {image_version}" if image_version else "")
    return make("base", CheckResult.SKIPPED)  # neither a version label nor base annotations to compare


def _stale(built_from: str, live: LiveState, base_version: str) -> str:
    current = f"{live.base_image}" + (f" (RHCOS {base_version})" if base_version else "")
    return (f"was built FROM {built_from}, but the cluster's base image is now {current}, release "
            f"{live.release_version or 'unknown'}: the binding is stale; rebuild the image FROM the current base "
            "and bump the digest (or pass --allow-stale-base)")


def _other_base_by_annotation(info: ImageInfo, base_image: str) -> bool | None:
    """True/False when the base annotations tell; None when there are none (or no cluster base)."""
    if not base_image or not (info.base_digest or info.base_name):
        return None
    current_digest = base_image.rpartition("@")[2] if "@" in base_image else ""
    if info.base_digest and current_digest:
        return info.base_digest != current_digest
    return info.base_name != base_image


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


def _pool_arches(action: Action, live: LiveState) -> set[str]:
    pools = {action.pool, *action.impact.pools}
    return {node.arch for pool in pools for node in live.nodes_of(pool) if node.arch}


def _arch_check(make: _Make, info: ImageInfo, arches: set[str]) -> ImageCheck:
    if not info.config_read or not arches or not info.architectures:
        return make("arch", CheckResult.SKIPPED)
    missing = sorted(arches - set(info.architectures))
    offered = ", ".join(info.architectures)
    if missing:
        kind = "the manifest list offers" if info.multi_arch else "the image is built for"
        return make("arch", CheckResult.FAIL, f"the pool has {', '.join(missing)} nodes, but {kind} only "
                    f"{offered}; those nodes cannot boot it")
    return make("arch", CheckResult.PASS, offered)


def _bootable_check(make: _Make, info: ImageInfo) -> ImageCheck:
    if not info.config_read:
        return make("bootable", CheckResult.SKIPPED)
    if info.label(BOOTABLE_LABEL) != "true":
        return make("bootable", CheckResult.FAIL, f"not bootable: the image config lacks the label "
                    f"{BOOTABLE_LABEL}=true that RHCOS images carry (was it built FROM an RHCOS base image?)")
    return make("bootable", CheckResult.PASS)


class _Make(Protocol):
    def __call__(self, name: str, result: CheckResult, detail: str = "") -> ImageCheck: ...
