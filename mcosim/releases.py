"""What differs between OpenShift releases, as far as the simulated cluster shows it.

A `ReleaseShape` is read once from the release version and the cluster's feature set; every
controller and the API server ask it instead of comparing version numbers themselves. The
source of each fact is listed in docs/simulator.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .resources import MCNS, MCNS_V1ALPHA1, RESOURCES, ResourceType

OLDEST_MINOR = 14
NEWEST_MINOR = 19
_VERSION = re.compile(r"^4\.(\d+)\.(\d+)$")


class FeatureSet(StrEnum):
    """`FeatureGate/cluster` spec.featureSet: "" is the default set."""

    DEFAULT = ""
    TECH_PREVIEW = "TechPreviewNoUpgrade"


class ReleaseError(ValueError):
    pass


# Extensions the MCO accepts, by the first minor release that accepts each (SupportedExtensions).
_EXTENSIONS_SINCE = {
    "wasm": 14,
    "ipsec": 14,
    "usbguard": 14,
    "kerberos": 14,
    "kernel-devel": 14,
    "sandboxed-containers": 14,
    "sysstat": 18,
    "two-node-ha": 19,
}


def parse_minor(version: str) -> int:
    match = _VERSION.match(version)
    if match is None:
        raise ReleaseError(f"release {version!r}: expected a version like 4.16.3")
    minor = int(match.group(1))
    if not OLDEST_MINOR <= minor <= NEWEST_MINOR:
        raise ReleaseError(f"release {version}: the simulator models 4.{OLDEST_MINOR} to 4.{NEWEST_MINOR}")
    return minor


@dataclass(frozen=True)
class ReleaseShape:
    version: str
    feature_set: FeatureSet = FeatureSet.DEFAULT

    def __post_init__(self) -> None:
        parse_minor(self.version)

    @property
    def minor(self) -> int:
        return parse_minor(self.version)

    @property
    def tech_preview(self) -> bool:
        return self.feature_set == FeatureSet.TECH_PREVIEW

    # ---- API shape ----------------------------------------------------------------------------
    @property
    def mcn_version(self) -> str | None:
        """MachineConfigNodes: v1 from 4.19; v1alpha1 behind TechPreviewNoUpgrade on 4.15-4.18; else none."""
        if self.minor >= 19:
            return "v1"
        if self.minor >= 15 and self.tech_preview:
            return "v1alpha1"
        return None

    @property
    def pinned_images(self) -> bool:
        """The PinnedImages gate (pool status gains poolSynchronizersStatus): default from 4.19."""
        return self.minor >= 19 or (self.minor >= 16 and self.tech_preview)

    # ---- render controller --------------------------------------------------------------------
    @property
    def ignition_version(self) -> str:
        """The Ignition spec version rendered configs carry (the MCO's newest supported spec)."""
        return "3.5.0" if self.minor >= 19 else "3.4.0"

    @property
    def supported_ignition(self) -> str:
        versions = ["2.2", "3.0", "3.1", "3.2", "3.3", "3.4"] + (["3.5"] if self.minor >= 19 else [])
        return ", ".join(versions)

    @property
    def extensions(self) -> tuple[str, ...]:
        return tuple(sorted(e for e, since in _EXTENSIONS_SINCE.items() if self.minor >= since))

    @property
    def render_validates_extensions(self) -> bool:
        """From 4.16 the render controller refuses unknown extensions; before, only the daemon does."""
        return self.minor >= 16

    @property
    def render_checks_reconcilable(self) -> bool:
        """From 4.16 the render controller refuses unreconcilable changes (FIPS); before, the daemon."""
        return self.minor >= 16

    @property
    def wraps_render_errors(self) -> bool:
        """4.16 added the "could not generate rendered MachineConfig: " prefix to render errors."""
        return self.minor >= 16

    # ---- daemon -------------------------------------------------------------------------------
    @property
    def rebase_attempts(self) -> int:
        """4.16 added retries around the rebase; 4.14 and 4.15 try once per sync."""
        return 3 if self.minor >= 16 else 1

    @property
    def drain_events(self) -> bool:
        """From 4.19 the drain controller also sends Warning events (before, it only logs)."""
        return self.minor >= 19

    def os_update_failure(self, image: str, stderr: str) -> str:
        command = f"error running rpm-ostree rebase --experimental ostree-unverified-registry:{image}"
        inner = f"{command}: {stderr}: exit status 1"
        if self.minor >= 16:
            return f"Failed to update OS to {image} after retries: {inner}"
        return f"failed to update OS to {image} : {inner}"


DEFAULT_RELEASE = "4.16.3"


def served_resources(shape: ReleaseShape) -> tuple[ResourceType, ...]:
    """Every resource type the simulator has, with MachineConfigNodes at the release's version or none."""
    others = tuple(rt for rt in RESOURCES if rt is not MCNS)
    mcn = mcn_type(shape)
    return others if mcn is None else (*others, mcn)


def mcn_type(shape: ReleaseShape) -> ResourceType | None:
    return {"v1": MCNS, "v1alpha1": MCNS_V1ALPHA1}.get(shape.mcn_version or "")
