"""`Cluster`: the one object the rest of the reconciler uses to read and write a cluster."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from kubernetes.client import ApiClient

from reconciler.model import DesiredMachineConfig, LiveState

from . import events, read, write
from .api import KubeApi, RequestPolicy
from .connect import load_configuration, new_api_client
from .lease import DEFAULT_LEASE, LeaseStore
from .state import Memory


class Cluster:
    def __init__(self, api_client: ApiClient, policy: RequestPolicy | None = None) -> None:
        self._api = KubeApi(api_client, policy)
        self._memory = Memory(self._api)

    @classmethod
    def connect(
        cls,
        kubeconfig: str | None = None,
        context: str | None = None,
        policy: RequestPolicy | None = None,
    ) -> Cluster:
        """kubeconfig None: $KUBECONFIG, ~/.kube/config, else the in-cluster service account."""
        return cls(new_api_client(load_configuration(kubeconfig, context)), policy)

    @property
    def host(self) -> str:
        return self._api.host

    # ---- reading ---------------------------------------------------------------------------
    def read_live(self, now: float) -> LiveState:
        return read.read_live_state(self._api, now)

    # ---- our MachineConfigs and pool pause -------------------------------------------------
    def create_machine_config(self, mc: DesiredMachineConfig) -> str:
        """Returns the new resourceVersion. Conflict (AlreadyExists) when the name is taken."""
        return write.create_machine_config(self._api, mc)

    def update_machine_config(self, mc: DesiredMachineConfig, resource_version: str) -> str:
        """Replace our MC; Refused if it is not ours, Conflict if it changed since resource_version."""
        return write.update_machine_config(self._api, mc, resource_version)

    def delete_machine_config(self, name: str, resource_version: str) -> None:
        """Delete our MC; Refused if it is not ours, Conflict if it changed since resource_version."""
        write.delete_machine_config(self._api, name, resource_version)

    def set_pool_paused(self, pool: str, paused: bool) -> None:
        write.set_pool_paused(self._api, pool, paused)

    # ---- memory and events -----------------------------------------------------------------
    def load_memory(self) -> dict[str, Any]:
        """The persisted JSON document ({} if none yet); remembers its resourceVersion for save."""
        return self._memory.load()

    def save_memory(self, doc: dict[str, Any]) -> None:
        """Conflict if another writer saved since our last load/save."""
        self._memory.save(doc)

    def record_event(
        self, subject_kind: str, subject_name: str, reason: str, message: str, event_type: str = "Normal"
    ) -> None:
        """Best effort: never raises for cluster errors."""
        events.record_event(self._api, subject_kind, subject_name, reason, message, event_type)

    # ---- leader election ------------------------------------------------------------------
    def lease(self, name: str = DEFAULT_LEASE) -> LeaseStore:
        """The Lease leader election runs on, in the reconciler's namespace."""
        return LeaseStore(self._api, name)

    def identify(self, identity: str) -> None:
        """Send the replica's identity in every request's User-Agent (audit logs show who wrote)."""
        self._api.client.user_agent = f"layering-reconciler ({identity})"

    # ---- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self._api.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
