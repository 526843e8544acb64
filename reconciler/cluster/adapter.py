"""`Cluster`: the one object the rest of the reconciler uses to read and write a cluster."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

from reconciler.model import DesiredMachineConfig, LiveState

from . import events, registry_config, selective, write
from .api import DEFAULT_NAMESPACE, KubeApi, RequestPolicy
from .cache import WatchCache
from .connect import TransportChoice, open_transport, own_namespace
from .lease import DEFAULT_LEASE, LeaseStore
from .state import Memory
from .transport import Transport


class Cluster:
    def __init__(self, transport: Transport, policy: RequestPolicy | None = None,
                 namespace: str = DEFAULT_NAMESPACE) -> None:
        self._api = KubeApi(transport, policy, namespace)
        self._memory = Memory(self._api)
        self._cache: WatchCache | None = None
        self._events = events.EventSender(self._api)

    @classmethod
    def connect(
        cls,
        kubeconfig: str | None = None,
        context: str | None = None,
        policy: RequestPolicy | None = None,
        namespace: str | None = None,
        transport: TransportChoice = "auto",
    ) -> Cluster:
        """kubeconfig None: $KUBECONFIG, the in-cluster service account, else ~/.kube/config.
        namespace None: the pod's namespace in a cluster, else layering-reconciler.
        transport "client": the kubernetes client even for a static kubeconfig (connect.py)."""
        return cls(open_transport(kubeconfig, context, transport), policy, own_namespace(namespace))

    @property
    def host(self) -> str:
        return self._api.host

    @property
    def namespace(self) -> str:
        return self._api.namespace

    # ---- reading ---------------------------------------------------------------------------
    def read_live(self, now: float, every_node: bool = True) -> LiveState:
        """every_node False: nodes only of the pools not settled (all a decision needs): an idle cluster
        costs no node read; a watch cache, once following, serves the read without a LIST."""
        if self._cache is not None:
            return self._cache.live_state(now, every_node)
        return selective.read_needed(self._api, now, every_node)

    def follow(self, wake: Callable[[], None]) -> None:
        """From now on read through a watch cache (list once, then watch); `wake` is called on a change
        that matters to the next decision."""
        if self._cache is None:
            self._cache = WatchCache(self._api, wake).start()

    def read_pull_secret(self) -> bytes | None:
        """openshift-config/pull-secret's .dockerconfigjson (opt-in; an optional RBAC rule)."""
        return registry_config.read_pull_secret(self._api)

    def read_image_mirrors(self) -> registry_config.Mirrors:
        """The cluster's ImageDigestMirrorSet / ImageContentSourcePolicy mirrors (opt-in)."""
        return registry_config.read_image_mirrors(self._api)

    # ---- our MachineConfigs and pool pause -------------------------------------------------
    def create_machine_config(self, mc: DesiredMachineConfig) -> str:
        """Returns the new resourceVersion. Conflict (AlreadyExists) when the name is taken."""
        with self._writing("machineconfigs"):
            return write.create_machine_config(self._api, mc)

    def update_machine_config(self, mc: DesiredMachineConfig, resource_version: str) -> str:
        """Replace our MC; Refused if it is not ours, Conflict if it changed since resource_version."""
        with self._writing("machineconfigs"):
            return write.update_machine_config(self._api, mc, resource_version)

    def delete_machine_config(self, name: str, resource_version: str) -> None:
        """Delete our MC; Refused if it is not ours, Conflict if it changed since resource_version."""
        with self._writing("machineconfigs"):
            write.delete_machine_config(self._api, name, resource_version)

    def set_pool_paused(self, pool: str, paused: bool) -> None:
        with self._writing("machineconfigpools"):
            write.set_pool_paused(self._api, pool, paused)

    @contextlib.contextmanager
    def _writing(self, kind: str) -> Iterator[None]:
        """Whatever the outcome (a Conflict means the cache was behind), the next read lists the kind."""
        try:
            yield
        finally:
            if self._cache is not None:
                self._cache.wrote(kind)

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
        self._events.send(subject_kind, subject_name, reason, message, event_type, namespace)

    def flush_events(self) -> None:
        """Wait until the Events recorded so far are sent (they go out in the background)."""
        self._events.flush()

    # ---- leader election ------------------------------------------------------------------
    def lease(self, name: str = DEFAULT_LEASE) -> LeaseStore:
        """The Lease leader election runs on, in the reconciler's namespace."""
        return LeaseStore(self._api, name)

    def identify(self, identity: str) -> None:
        """Send the replica's identity in every request's User-Agent (audit logs show who wrote)."""
        self._api.transport.user_agent = f"layering-reconciler ({identity})"

    # ---- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self._events.close()
        if self._cache is not None:
            self._cache.stop()
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
