"""`ClusterPort`: what the controller needs from a cluster. `Cluster` implements it over the
Kubernetes API; tests wrap it (to inject crashes between writes, say) without touching the pass.

The controller imports this module and nothing else of `reconciler.cluster`; cli.py builds the
concrete `Cluster`. Every method raises the project's ClusterError tree (reconciler.errors).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from reconciler.model import DesiredMachineConfig, LiveState
from reconciler.records import record


class ClusterPort(Protocol):
    @property
    def namespace(self) -> str:
        """Where the reconciler's own objects live: its state ConfigMap, its Lease, its Events."""
        ...

    def read_live(self, now: float, every_node: bool = True) -> LiveState:
        """MachineConfigs, pools and the base image, read fresh (or from a watch cache that is kept
        current); nodes of the pools not settled, or of every pool with every_node; `now` stamps it."""
        ...

    def create_machine_config(self, mc: DesiredMachineConfig) -> str:
        """Returns the new resourceVersion. Conflict (AlreadyExists) when the name is taken."""
        ...

    def update_machine_config(self, mc: DesiredMachineConfig, resource_version: str) -> str:
        """Replace our MC; Refused if it is not ours, Conflict if it changed since resource_version."""
        ...

    def delete_machine_config(self, name: str, resource_version: str) -> None:
        """Delete our MC; Refused if it is not ours, Conflict if it changed since resource_version."""
        ...

    def set_pool_paused(self, pool: str, paused: bool) -> None:
        """A patch of the pool's spec.paused alone."""
        ...

    def load_memory(self) -> dict[str, Any]:
        """The persisted rollout memory ({} if none yet)."""
        ...

    def save_memory(self, doc: dict[str, Any]) -> None:
        """Conflict if another writer saved since our last load/save."""
        ...

    def record_event(
        self, subject_kind: str, subject_name: str, reason: str, message: str, event_type: str = "Normal",
        namespace: str | None = None,
    ) -> None:
        """Best effort: never raises for cluster errors; may be sent after the call returns (in order).
        `namespace`: the subject's, None when cluster-scoped."""
        ...


@runtime_checkable
class Following(Protocol):
    """A cluster that can keep its reads current through watches (long-running commands)."""

    def follow(self, wake: Callable[[], None]) -> None:
        """Read through a watch cache from now on; `wake` is called on a change that matters."""
        ...


# ---- leader election ---------------------------------------------------------------------------
REQUESTED_AT = "layering.gitops.dev/requestedAt"  # annotation on the Lease: a sync was asked for


@record
class LeaseRecord:
    """A coordination.k8s.io/v1 Lease as leader election reads it (times are RFC 3339 strings)."""

    holder: str = ""  # spec.holderIdentity; "" when released
    duration_seconds: int = 0
    acquire_time: str = ""
    renew_time: str = ""
    transitions: int = 0
    requested_at: str = ""  # the REQUESTED_AT annotation: a webhook asked any replica for a sync
    resource_version: str = ""


class LeasePort(Protocol):
    """The one Lease leader election runs on (in the reconciler's namespace)."""

    name: str

    def get(self) -> LeaseRecord | None:
        """None when the Lease does not exist."""
        ...

    def create(self, record: LeaseRecord) -> LeaseRecord:
        """Conflict when someone created it first."""
        ...

    def update(self, record: LeaseRecord) -> LeaseRecord:
        """Replace spec (and the annotation); Conflict if it changed since record.resource_version."""
        ...
