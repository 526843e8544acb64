"""What `rpm-ostree status` prints on a node, and the conflicts its package operations hit."""

from __future__ import annotations

from ..registry import Image, Registry, split_ref
from .constants import EXTENSION_PACKAGES

_RT_SWITCH = (
    "override remove kernel kernel-core kernel-modules kernel-modules-core kernel-modules-extra "
    "--install kernel-rt-core --install kernel-rt-modules --install kernel-rt-modules-extra "
    "--install kernel-rt-kvm"
)


def _provided(image: Image, package: str) -> str:
    return next((p for p in image.packages if p == package or p.startswith(package + "-")), package)


def conflict(image: Image, kernel_type: str, extensions: list[str]) -> str | None:
    """The daemon's error when the image's content clashes with the pool's MC extensions or kernel."""
    if image.realtime and kernel_type == "realtime":
        return (
            f"error running rpm-ostree {_RT_SWITCH}: error: Package/capability 'kernel-rt-core' is "
            f"already provided by a package: {_provided(image, 'kernel-rt-core')}: exit status 1"
        )
    for ext in extensions:
        for package in EXTENSION_PACKAGES.get(ext, (ext,)):
            if image.ships(package):
                installs = " ".join(f"--install {p}" for p in EXTENSION_PACKAGES.get(ext, (ext,)))
                return (
                    f"error running rpm-ostree update {installs}: error: Package/capability '{package}' "
                    f"is already provided by a package: {_provided(image, package)}: exit status 1"
                )
    return None


def version_of(registry: Registry, ref: str) -> str:
    """The RHCOS version an image reports: its own release's, or that of the image it was built FROM."""
    image = registry.lookup(ref)
    seen = 0
    while image is not None and image.release is None and image.base and seen < 10:
        image, seen = registry.lookup(image.base), seen + 1
    if image is not None and image.release in registry.releases:
        return registry.releases[image.release].rhcos_version
    return "416.94.202407081958-0"


def format_status(registry: Registry, booted: str, previous: str | None, staged: str | None = None) -> str:
    lines = ["State: idle", "Deployments:"]
    entries: list[tuple[str, str]] = []
    if staged and staged != booted:
        entries.append(("  ", staged))
    entries.append(("* ", booted))
    if previous and previous != booted:
        entries.append(("  ", previous))
    for i, (marker, ref) in enumerate(entries):
        if i:
            lines.append("")
        digest = split_ref(ref)[2] or "sha256:" + "0" * 64
        lines.append(f"{marker}ostree-unverified-registry:{ref}")
        lines.append(f"                   Digest: {digest}")
        lines.append(f"                  Version: {version_of(registry, ref)}")
        if marker == "  " and ref == staged:
            lines.append("               Staged: yes")
    return "\n".join(lines) + "\n"
