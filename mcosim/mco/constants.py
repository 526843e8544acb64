"""Names the Machine Config Operator uses: annotation keys, labels, namespaces, controller version."""

from __future__ import annotations

PREFIX = "machineconfiguration.openshift.io/"
ROLE_LABEL = PREFIX + "role"
CURRENT_CONFIG = PREFIX + "currentConfig"
DESIRED_CONFIG = PREFIX + "desiredConfig"
STATE = PREFIX + "state"
REASON = PREFIX + "reason"
DESIRED_DRAIN = PREFIX + "desiredDrain"
LAST_APPLIED_DRAIN = PREFIX + "lastAppliedDrain"
GENERATED_BY = PREFIX + "generated-by-controller-version"
RELEASE_IMAGE_VERSION = PREFIX + "release-image-version"
OS_IMAGE_URL_OVERRIDDEN = PREFIX + "os-image-url-overridden"

STATE_DONE = "Done"
STATE_WORKING = "Working"
STATE_DEGRADED = "Degraded"
STATE_UNRECONCILABLE = "Unreconcilable"

MCO_NAMESPACE = "openshift-machine-config-operator"
OSIMAGEURL_CONFIGMAP = "machine-config-osimageurl"
ZONE_LABEL = "topology.kubernetes.io/zone"
NODE_ROLE_PREFIX = "node-role.kubernetes.io/"

# the controller version string carried by template and rendered MachineConfigs
CONTROLLER_VERSION = "c0e8b5d4a8e0f0e1b2b7e0d0ad1d9e5c3f6f4a21"

# taint the node controller puts on a node it targets (removed when the node is Done)
UPDATE_IN_PROGRESS_TAINT = {"key": "UpdateInProgress", "effect": "PreferNoSchedule"}

EXTENSION_ALLOW_LIST = (
    "two-node-ha",
    "ipsec",
    "usbguard",
    "kerberos",
    "kernel-devel",
    "sandboxed-containers",
    "sysstat",
)
# the RPMs an extension name installs (what conflicts with a custom image's content)
EXTENSION_PACKAGES: dict[str, tuple[str, ...]] = {
    "two-node-ha": ("pacemaker", "pcs", "fence-agents-all"),
    "ipsec": ("NetworkManager-libreswan", "libreswan"),
    "usbguard": ("usbguard",),
    "kerberos": ("krb5-workstation", "libkadm5"),
    "kernel-devel": ("kernel-devel", "kernel-headers"),
    "sandboxed-containers": ("kata-containers",),
    "sysstat": ("sysstat",),
}
KERNEL_TYPES = ("", "default", "realtime", "64k-pages")
