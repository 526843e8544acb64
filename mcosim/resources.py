"""The resource types the simulated API serves: names, scope, verbs and subresources."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
MCO_GROUP = "machineconfiguration.openshift.io"
RBAC_GROUP = "rbac.authorization.k8s.io"
AUTHZ_GROUP = "authorization.k8s.io"


@dataclass(frozen=True)
class ResourceType:
    group: str  # "" for the core group
    version: str
    plural: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    status_subresource: bool = False
    extra_subresources: tuple[str, ...] = ()  # e.g. ("eviction",) for pods
    custom: bool = False  # a CRD (no strategic merge patch)
    verbs: tuple[str, ...] = ALL_VERBS
    singular: str = field(default="")

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def api_version(self) -> str:
        return self.group_version

    @property
    def qualified(self) -> str:
        """`machineconfigs.machineconfiguration.openshift.io`, or `pods` in the core group."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()


def _core(plural: str, kind: str, namespaced: bool, **kw: object) -> ResourceType:
    return ResourceType("", "v1", plural, kind, namespaced, **kw)  # type: ignore[arg-type]


RESOURCES: tuple[ResourceType, ...] = (
    _core("namespaces", "Namespace", False, short_names=("ns",), status_subresource=True),
    _core("nodes", "Node", False, short_names=("no",), status_subresource=True),
    _core("pods", "Pod", True, short_names=("po",), status_subresource=True,
          extra_subresources=("eviction",)),
    _core("configmaps", "ConfigMap", True, short_names=("cm",)),
    _core("secrets", "Secret", True),
    _core("events", "Event", True, short_names=("ev",)),
    ResourceType("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True,
                 short_names=("pdb",), status_subresource=True),
    ResourceType("coordination.k8s.io", "v1", "leases", "Lease", True),
    ResourceType(MCO_GROUP, "v1", "machineconfigs", "MachineConfig", False,
                 short_names=("mc",), custom=True),
    ResourceType(MCO_GROUP, "v1", "machineconfigpools", "MachineConfigPool", False,
                 short_names=("mcp",), status_subresource=True, custom=True),
    ResourceType(MCO_GROUP, "v1", "machineconfignodes", "MachineConfigNode", False,
                 short_names=("mcn",), status_subresource=True, custom=True),
    ResourceType("config.openshift.io", "v1", "clusterversions", "ClusterVersion", False,
                 status_subresource=True, custom=True),
    # what an install (deploy/) creates, and the RBAC and token APIs the simulator enforces
    _core("serviceaccounts", "ServiceAccount", True, short_names=("sa",), extra_subresources=("token",)),
    _core("secrets", "Secret", True),
    _core("services", "Service", True, short_names=("svc",), status_subresource=True),
    ResourceType("apps", "v1", "deployments", "Deployment", True, short_names=("deploy",),
                 status_subresource=True),
    ResourceType("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, short_names=("netpol",)),
    ResourceType(RBAC_GROUP, "v1", "roles", "Role", True),
    ResourceType(RBAC_GROUP, "v1", "rolebindings", "RoleBinding", True),
    ResourceType(RBAC_GROUP, "v1", "clusterroles", "ClusterRole", False),
    ResourceType(RBAC_GROUP, "v1", "clusterrolebindings", "ClusterRoleBinding", False),
    ResourceType(AUTHZ_GROUP, "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", False,
                 verbs=("create",)),
    ResourceType(AUTHZ_GROUP, "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", False,
                 verbs=("create",)),
    # registry configuration a cluster holds (read by the reconciler's image checks, opt-in)
    ResourceType("config.openshift.io", "v1", "imagedigestmirrorsets", "ImageDigestMirrorSet", False,
                 short_names=("idms",), status_subresource=True, custom=True),
    ResourceType("operator.openshift.io", "v1alpha1", "imagecontentsourcepolicies", "ImageContentSourcePolicy",
                 False, custom=True),
)

BY_PLURAL: dict[tuple[str, str], ResourceType] = {(r.group, r.plural): r for r in RESOURCES}
BY_KIND: dict[str, ResourceType] = {r.kind: r for r in RESOURCES}

NODES = BY_KIND["Node"]
PODS = BY_KIND["Pod"]
NAMESPACES = BY_KIND["Namespace"]
CONFIGMAPS = BY_KIND["ConfigMap"]
EVENTS = BY_KIND["Event"]
PDBS = BY_KIND["PodDisruptionBudget"]
LEASES = BY_KIND["Lease"]
MACHINE_CONFIGS = BY_KIND["MachineConfig"]
POOLS = BY_KIND["MachineConfigPool"]
MCNS = BY_KIND["MachineConfigNode"]
CLUSTER_VERSIONS = BY_KIND["ClusterVersion"]
SERVICE_ACCOUNTS = BY_KIND["ServiceAccount"]
ROLES = BY_KIND["Role"]
ROLE_BINDINGS = BY_KIND["RoleBinding"]
CLUSTER_ROLES = BY_KIND["ClusterRole"]
CLUSTER_ROLE_BINDINGS = BY_KIND["ClusterRoleBinding"]
ACCESS_REVIEWS = BY_KIND["SelfSubjectAccessReview"]
RULES_REVIEWS = BY_KIND["SelfSubjectRulesReview"]

# served instead of MCNS by a tech-preview 4.15-4.18 cluster (see mcosim/releases.py)
MCNS_V1ALPHA1 = replace(MCNS, version="v1alpha1")
OTHER_VERSIONS: tuple[ResourceType, ...] = (MCNS_V1ALPHA1,)


def lookup(group: str, plural: str, version: str | None = None) -> ResourceType | None:
    for rt in OTHER_VERSIONS:
        if (rt.group, rt.plural, rt.version) == (group, plural, version):
            return rt
    return BY_PLURAL.get((group, plural))
