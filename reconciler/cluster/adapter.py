"""`Cluster`: the one object the rest of the reconciler uses to read and write a cluster."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from kubernetes.client import ApiClient

from reconciler.model import DesiredMachineConfig, LiveState

from . import events, read, registry_config, write
from .api import DEFAULT_NAMESPACE, KubeApi, RequestPolicy
from .connect import load_configuration, new_api_client, own_namespace
from .state import Memory


class Cluster:
    def __init__(self, api_client: ApiClient, policy: RequestPolicy | None = None,
                 namespace: str = DEFAULT_NAMESPACE) -> None:
        self._api = KubeApi(api_client, policy, namespace)
        self._memory = Memory(self._api)

    @classmethod
    def connect(
        cls,
        kubeconfig: str | None = None,
        context: str | None = None,
        policy: RequestPolicy | None = None,
        namespace: str | None = None,
    ) -> Cluster:
        """kubeconfig None: $KUBECONFIG, the in-cluster service account, else ~/.kube/config.
        namespace None: the pod's namespace in a cluster, else layering-reconciler."""
        return cls(new_api_client(load_configuration(kubeconfig, context)), policy, own_namespace(namespace))

    @property
    def host(self) -> str:
        return self._api.host

    # ---- reading ---------------------------------------------------------------------------
    def read_live(self, now: float) -> LiveState:
        return read.read_live_state(self._api, now)

    def read_pull_secret(self) -> bytes | None:
        """openshift-config/pull-secret's .dockerconfigjson (opt-in; an optional RBAC rule)."""
        return registry_config.read_pull_secret(self._api)

    def read_image_mirrors(self) -> registry_config.Mirrors:
        """The cluster's ImageDigestMirrorSet / ImageContentSourcePolicy mirrors (opt-in)."""
        return registry_config.read_image_mirrors(self._api)

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
        self, subject_kind: str, subject_name: str, reason: str, message: str, event_type: str = "Normal",
        namespace: str | None = None,
    ) -> None:
        """Best effort: never raises for cluster errors."""
        events.record_event(self._api, subject_kind, subject_name, reason, message, event_type, namespace)

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
