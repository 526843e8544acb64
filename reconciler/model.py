"""Frozen value types shared by every stage of the pipeline. Standard library only.

git ──source──▶ tree ──intent──▶ DesiredState ─┐
                                               ├─plan──▶ Plan ──rollout──▶ writes
cluster ───────────────────────▶ LiveState ────┘
"""

from __future__ import annotations

import hashlib
from abc import abstractmethod
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import field
from enum import StrEnum
from functools import cached_property
from typing import Any

from reconciler.records import record

API_GROUP = "layering.gitops.dev"
API_VERSION = f"{API_GROUP}/v1alpha1"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "layering-reconciler"
ROLE_LABEL = "machineconfiguration.openshift.io/role"
ANNOTATION_BINDING = f"{API_GROUP}/binding"
ANNOTATION_SOURCE = f"{API_GROUP}/source"
ANNOTATION_STAGE = f"{API_GROUP}/stage"
WORKER_ROLE = "worker"  # custom pools render the worker role's MachineConfigs first, then their own
MASTER_ROLE = "master"  # the control-plane pool's role
FAILED_NODE_STATES = frozenset({"Degraded", "Unreconcilable"})  # the daemon's state annotation


def mc_name_for_pool(pool: str) -> str:
    """The one MachineConfig we own per bound pool."""
    return f"99-layering-{pool}"


# ---- where things came from ---------------------------------------------------------------------
@record
class Location:
    """A place in the bindings repository: `bindings/worker.yaml:7:3`."""

    path: str
    line: int = 0  # 1-based; 0 = whole file
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.path
        return f"{self.path}:{self.line}:{self.column}" if self.column else f"{self.path}:{self.line}"


# ---- a read of the repository ------------------------------------------------------------------
@record
class Signature:
    """A signature git verified against the trusted keys: on the commit or on the tag naming it."""

    subject: str  # `commit 3f2a…` or `tag v1.2`
    signer: str  # the SSH principal or the OpenPGP user id
    key: str  # SSH key fingerprint (SHA256:…) or OpenPGP fingerprint
    format: str  # "ssh" | "openpgp"


@record
class Verification:
    """What `--verify` checked for a snapshot (every signature verified; a refusal raises instead)."""

    mode: str  # head | tag | tag-and-head
    signatures: tuple[Signature, ...] = ()

    @property
    def signers(self) -> str:
        return ", ".join(f"{s.subject} signed by {s.signer} ({s.key})" for s in self.signatures)


class FilesOnDemand(Mapping[str, bytes]):
    """Files whose paths (and blob ids) are known up front and whose contents are read when asked:
    a commit's, from git. `load` reads many in one go; a single lookup reads one."""

    @abstractmethod
    def load(self, paths: Collection[str]) -> dict[str, bytes]:
        """The contents of `paths` (each read at most once); the source's error when it cannot read them."""


@record
class Snapshot:
    """The bindings files of one commit: what source/ hands to intent/."""

    repo: str  # the source as the user gave it, credentials removed
    commit: str  # full hex sha ("" for an uncommitted working directory)
    files: Mapping[str, bytes] = field(default_factory=dict)  # repo-relative POSIX path -> content
    problems: tuple[str, ...] = ()  # files refused while reading (symlink out of the repo, too large)
    verification: Verification | None = None  # the signatures checked (None: --verify none)
    blobs: Mapping[str, str] = field(default_factory=dict)  # path -> git blob id of its content (parse cache key)

    def blob(self, path: str) -> str:
        """The git blob id of a file's content (computed as git does when the source did not say)."""
        return self.blobs.get(path) or blob_id(self.files[path])

    def read(self, paths: Collection[str]) -> dict[str, bytes]:
        """The contents of `paths`, in one read when the files are read on demand."""
        if isinstance(self.files, FilesOnDemand):
            return self.files.load(paths)
        return {path: self.files[path] for path in paths}


def blob_id(content: bytes) -> str:
    """The id git gives a blob with this content (`git hash-object`)."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


# ---- desired state (from git) -------------------------------------------------------------------
@record
class Binding:
    """One PoolImageBinding: this pool boots this image."""

    name: str
    pool: str
    os_image_url: str
    stage: int = 0
    window: str | None = None
    accept_conflicts: bool = False  # the owner accepts extension / realtime-kernel MCs in the pool
    location: Location = field(default_factory=lambda: Location(""))


@record
class Window:
    name: str
    schedule: str  # five-field cron
    duration_seconds: int
    time_zone: str = "UTC"


class OnDegraded(StrEnum):
    """What a degraded pool mid-rollout does to the rollout."""

    HALT = "halt"  # stop every later stage
    ROLLBACK = "rollback"  # also restore the pool's previous MachineConfig


class Overrun(StrEnum):
    """What happens to a pool still rolling when its window closes."""

    FINISH = "finish"  # let it finish
    PAUSE = "pause"  # pause the pool until the window opens again


@record
class Policy:
    bake_seconds: int = 600
    on_degraded: OnDegraded = OnDegraded.HALT
    allow_empty: bool = False
    registries: tuple[str, ...] = ()  # allowed image prefixes; empty = any
    windows: tuple[Window, ...] = ()
    overrun: Overrun = Overrun.FINISH
    stall_seconds: int = 3600  # no progress this long = stalled
    location: Location = field(default_factory=lambda: Location("layering.yaml"))

    def window(self, name: str) -> Window | None:
        return next((w for w in self.windows if w.name == name), None)


@record
class DesiredState:
    repo: str  # the source as the user gave it (credentials removed)
    commit: str
    bindings: tuple[Binding, ...]
    policy: Policy = field(default_factory=Policy)

    def binding_for(self, pool: str) -> Binding | None:
        return next((b for b in self.bindings if b.pool == pool), None)


# ---- live state (from the cluster) --------------------------------------------------------------
@record
class Condition:
    type: str
    status: str  # "True" | "False" | "Unknown"
    reason: str = ""
    message: str = ""


@record
class MachineConfigInfo:
    name: str
    role: str | None  # the machineconfiguration.openshift.io/role label
    os_image_url: str = ""
    managed: bool = False  # carries our managed-by label
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    kernel_type: str = ""
    extensions: tuple[str, ...] = ()
    generated_by_controller: bool = False  # a rendered or template MC owned by the MCO
    resource_version: str = ""
    has_other_content: bool = False  # spec carries more than osImageURL (config files, kargs, …)

    def annotation(self, key: str) -> str | None:
        return dict(self.annotations).get(key)


@record
class NodeState:
    name: str
    pool: str
    current_config: str = ""
    desired_config: str = ""
    state: str = "Done"  # Done | Working | Degraded | Unreconcilable
    reason: str = ""
    ready: bool = True
    unschedulable: bool = False
    phase: str = ""  # human phase from MCN conditions / annotations: cordoned, drained, applying, rebooting …
    zone: str = ""
    arch: str = ""  # the kubernetes.io/arch label ("" when unknown)


@record
class PoolState:
    name: str
    roles: tuple[str, ...]  # the role label values its machineConfigSelector selects
    paused: bool = False
    target_config: str = ""  # spec.configuration.name
    current_config: str = ""  # status.configuration.name
    target_image: str = ""  # osImageURL of the target rendered config
    target_sources: tuple[str, ...] = ()  # the MCs the target rendered config was made from (() = unknown)
    current_image: str = ""  # osImageURL of the current rendered config
    machine_count: int = 0
    updated_count: int = 0
    ready_count: int = 0
    unavailable_count: int = 0
    degraded_count: int = 0
    conditions: tuple[Condition, ...] = ()
    generation: int = 0
    observed_generation: int = 0
    annotations: tuple[tuple[str, str], ...] = ()

    def condition(self, type_: str) -> Condition | None:
        return self._conditions_by_type.get(type_)

    @cached_property  # a pass asks each pool about its conditions several times
    def _conditions_by_type(self) -> dict[str, Condition]:
        return {c.type: c for c in reversed(self.conditions)}  # the first of a type wins

    def is_true(self, type_: str) -> bool:
        cond = self.condition(type_)
        return cond is not None and cond.status == "True"

    @cached_property
    def degraded(self) -> bool:
        return any(self.is_true(t) for t in ("Degraded", "NodeDegraded", "RenderDegraded"))


class RoleIndex:
    """MachineConfigs by their role label, so that a pool's render reads only the MCs of its roles."""

    def __init__(self, mcs: Iterable[MachineConfigInfo]) -> None:
        self._by_role: dict[str, list[MachineConfigInfo]] = {}
        self._ordered: dict[tuple[tuple[str, ...], Callable[..., Any]], tuple[MachineConfigInfo, ...]] = {}
        for mc in mcs:
            if mc.role is not None:
                self._by_role.setdefault(mc.role, []).append(mc)

    def of_roles(self, roles: Iterable[str]) -> list[MachineConfigInfo]:
        return [mc for role in dict.fromkeys(roles) for mc in self._by_role.get(role, ())]

    def ordered(self, roles: tuple[str, ...], key: Callable[[MachineConfigInfo], Any]) -> tuple[MachineConfigInfo, ...]:
        """The MCs of these roles sorted by `key`, sorted once per roles (pools share their roles' MCs)."""
        found = self._ordered.get((roles, key))
        if found is None:
            found = self._ordered[(roles, key)] = tuple(sorted(self.of_roles(roles), key=key))
        return found


@record
class LiveState:
    base_image: str
    release_version: str
    machine_configs: tuple[MachineConfigInfo, ...]
    pools: tuple[PoolState, ...]
    nodes: tuple[NodeState, ...] = ()
    observed_at: float = 0.0  # injected clock reading when it was read

    def pool(self, name: str) -> PoolState | None:
        return self._pools_by_name.get(name)

    def machine_config(self, name: str) -> MachineConfigInfo | None:
        return self._machine_configs_by_name.get(name)

    def nodes_of(self, pool: str) -> tuple[NodeState, ...]:
        return self._nodes_by_pool.get(pool, ())

    @cached_property
    def by_role(self) -> RoleIndex:
        return RoleIndex(self.machine_configs)

    # Lookups by name are indexed once per state: a plan over 500 pools asks thousands of them.
    @cached_property
    def _pools_by_name(self) -> dict[str, PoolState]:
        return {p.name: p for p in reversed(self.pools)}  # the first of a name wins

    @cached_property
    def _machine_configs_by_name(self) -> dict[str, MachineConfigInfo]:
        return {m.name: m for m in reversed(self.machine_configs)}

    @cached_property
    def _nodes_by_pool(self) -> dict[str, tuple[NodeState, ...]]:
        grouped: dict[str, list[NodeState]] = {}
        for node in self.nodes:
            grouped.setdefault(node.pool, []).append(node)
        return {pool: tuple(nodes) for pool, nodes in grouped.items()}


@record
class ImageInfo:
    """What the registry says about an image reference (manifest annotations, config labels, platforms)."""

    ref: str
    found: bool = True
    base_name: str = ""  # org.opencontainers.image.base.name: what it was built FROM ("" = unknown)
    base_digest: str = ""  # org.opencontainers.image.base.digest
    error: str = ""  # the registry could not be asked: nothing is concluded
    labels: tuple[tuple[str, str], ...] = ()  # the image config's labels (`version`, `ostree.bootable`)
    architectures: tuple[str, ...] = ()  # the platforms a manifest list offers, or the config's one
    multi_arch: bool = False  # the digest names a manifest list (image index)
    config_read: bool = False  # labels and architectures were read (else those checks do not run)
    served_by: str = ""  # the mirror repository that answered, when the source registry was unreachable

    def label(self, key: str) -> str:
        return dict(self.labels).get(key, "")


# ---- review (a pull request against its target branch) -----------------------------------------
@record
class BindingChange:
    """How a pull request changes one pool's binding relative to its target branch."""

    pool: str
    change: str  # added | removed | changed
    old_image: str | None = None
    new_image: str | None = None
    details: tuple[str, ...] = ()  # `stage: 0 → 1`, `window: (none) → weeknights`, …
    binding: str = ""  # the binding's name on the pull request's side (or the target's, when removed)


# ---- plan ---------------------------------------------------------------------------------------
class ActionKind(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    UNCHANGED = "unchanged"


class Severity(StrEnum):
    BLOCKING = "blocking"
    WARNING = "warning"


@record
class Problem:
    severity: Severity
    subject: str  # `bindings/worker.yaml:7:3` or `MachineConfigPool/worker`
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


class CheckResult(StrEnum):
    PASS = "pass"
    FAIL = "fail"  # blocks the plan (or warns, for a binding already applied)
    WARN = "warn"
    SKIPPED = "skipped"  # not enough metadata to tell


@record
class ImageCheck:
    """One preflight check of one bound image: exists, base, arch or bootable."""

    pool: str
    image: str
    check: str
    result: CheckResult
    detail: str = ""


@record
class DesiredMachineConfig:
    """The full MachineConfig we want for a pool (cluster/ turns it into an API object)."""

    name: str
    pool: str
    os_image_url: str
    labels: tuple[tuple[str, str], ...]
    annotations: tuple[tuple[str, str], ...]


class DriftKind(StrEnum):
    CHANGED = "changed"  # live and git disagree on the value
    ADDED = "added"  # live has it, git does not (edited outside git)
    MISSING = "missing"  # git wants it, live lacks it (removed outside git)
    DELETED = "deleted"  # our whole MachineConfig was deleted outside git


@record
class Drift:
    """One field where our live MachineConfig differs from what git wants."""

    kind: DriftKind
    field: str = ""  # `spec.osImageURL`, `metadata.labels[<key>]` … ("" for DELETED)
    live: str | None = None
    desired: str | None = None

    def __str__(self) -> str:
        if self.kind is DriftKind.DELETED:
            return "deleted outside git"
        if self.kind is DriftKind.ADDED:
            return f"{self.field}: {self.live} added (edited outside git)"
        if self.kind is DriftKind.MISSING:
            return f"{self.field}: missing (removed outside git)"
        return f"{self.field}: {self.live} → {self.desired}"


@record
class Impact:
    pools: tuple[str, ...]  # every pool that re-renders (a worker change reaches custom pools)
    nodes_to_reboot: int


NO_IMPACT = Impact((), 0)


@record
class Action:
    """The plan for one pool's MachineConfig. A CREATE or UPDATE always carries `desired`."""

    pool: str
    kind: ActionKind
    mc_name: str
    old_image: str | None
    new_image: str | None
    binding: Binding | None = None
    desired: DesiredMachineConfig | None = None
    live_resource_version: str = ""
    drift: tuple[Drift, ...] = ()  # field differences between live and desired
    impact: Impact = NO_IMPACT

    def __post_init__(self) -> None:
        if self.kind in (ActionKind.CREATE, ActionKind.UPDATE) and self.desired is None:
            raise ValueError(f"MachineConfig/{self.mc_name}: a {self.kind.value} needs the MachineConfig to write")

    @property
    def content(self) -> DesiredMachineConfig:
        """What a CREATE or UPDATE writes (construction guarantees it is there)."""
        if self.desired is None:
            raise ValueError(f"MachineConfig/{self.mc_name}: a {self.kind.value} writes no content")
        return self.desired


@record
class Plan:
    repo: str
    commit: str
    actions: tuple[Action, ...]
    problems: tuple[Problem, ...] = ()
    verification: Verification | None = None  # the commit's verified signatures, with --verify
    image_checks: tuple[ImageCheck, ...] = ()  # preflight results per bound image (with registry metadata)

    @property
    def blocking(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.BLOCKING)

    @property
    def blocked(self) -> bool:
        return bool(self.blocking)

    @property
    def changes(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.kind is not ActionKind.UNCHANGED)

    @property
    def in_sync(self) -> bool:
        return not self.changes and not self.blocked


# ---- what a pass did ------------------------------------------------------------------------------
class Verb(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    RESTORED = "restored"  # rollback: our MachineConfig put back as it was (`new` None: deleted)
    PAUSED = "paused"
    UNPAUSED = "unpaused"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"  # decided but not written (the reconciler was stopping)


WRITING_VERBS = frozenset({Verb.CREATED, Verb.UPDATED, Verb.DELETED, Verb.RESTORED, Verb.PAUSED, Verb.UNPAUSED})


@record
class Change:
    """One entry of a pass's change set: what happened to which object, old → new, and why."""

    kind: str  # `MachineConfig` | `MachineConfigPool`
    name: str
    verb: Verb
    old: str | None = None  # the image before (MachineConfigs); None = absent or not applicable
    new: str | None = None  # the image after
    reason: str = ""

    @property
    def subject(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def wrote(self) -> bool:
        return self.verb in WRITING_VERBS
