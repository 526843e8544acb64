"""The simulated cluster as one object: store, registry, MCO controllers, API server and time.

with Simulator(SimConfig(clock="virtual")) as sim:
    sim.write_kubeconfig(tmp / "kubeconfig")
    ...                       # drive it with kubectl / the kubernetes client
    sim.run_until(lambda: ..., timeout=3600)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from .bootstrap import ClusterShape, populate
from .clock import ScaledClock, VirtualClock
from .engine import Engine
from .kubeconfig import write_kubeconfig
from .mco import constants as c
from .mco.conditions import status_of
from .mco.daemon import Phase
from .mco.operator import MachineConfigOperator
from .mco.rpmostree import format_status
from .registry import Registry
from .registry_api import RegistryApi
from .releases import DEFAULT_RELEASE, FeatureSet, ReleaseShape, served_resources
from .resources import NODES, POOLS
from .store import Store
from .upgrade import upgrade_cluster


@dataclass
class SimConfig:
    masters: int = 3
    workers: int = 3
    pools: dict[str, int] = field(default_factory=dict)
    release: str = DEFAULT_RELEASE
    feature_set: str = ""  # "" (default) or "TechPreviewNoUpgrade": see mcosim/releases.py
    speed: float = 1.0
    clock: Literal["real", "virtual"] = "real"
    fast_forward: bool = False
    ff_max_speed: float = 3000.0  # fast-forward never runs sim time faster than this times wall time
    extra_images: list[str] = field(default_factory=list)
    max_unavailable: dict[str, int | str] = field(default_factory=dict)
    seed: int = 0
    host: str = "127.0.0.1"
    port: int = 0
    events: bool = True  # write Kubernetes Events for the major steps
    serve_api: bool = True
    failing_images: list[str] = field(default_factory=list)  # refs or digests whose pull fails; "*" = all
    blocked_drains: list[str] = field(default_factory=list)  # node names
    failing_reboots: list[str] = field(default_factory=list)  # node names
    tls_port: int | None = None  # also serve HTTPS here (0: a free port), for service-account tokens


class Simulator:
    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        cfg = self.config
        self.shape = ReleaseShape(cfg.release, FeatureSet(cfg.feature_set))
        self.clock: VirtualClock | ScaledClock = (
            VirtualClock() if cfg.clock == "virtual" else ScaledClock(cfg.speed)
        )
        self.store = Store(self.clock)
        self.registry = Registry.default()
        for ref in cfg.extra_images:
            self.registry.add(ref)
        self.engine = Engine(
            self.store, self.clock, fast_forward=cfg.fast_forward, ff_max_speed=cfg.ff_max_speed
        )
        self.mco = MachineConfigOperator(
            self.store, self.engine, self.registry, seed=cfg.seed, events=cfg.events, shape=self.shape
        )
        self.api: Any = None
        self._started = False

    # ---- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> Simulator:
        cfg = self.config
        with self.store.lock:
            populate(
                self.store,
                self.registry,
                self.mco,
                ClusterShape(
                    cfg.masters,
                    cfg.workers,
                    dict(cfg.pools),
                    cfg.release,
                    dict(cfg.max_unavailable),
                    cfg.seed,
                ),
            )
            self.engine.run_pending()
            self._apply_startup_faults()
        if cfg.serve_api:
            from .admin import AdminHandler
            from .api.server import ApiServer

            self.api = ApiServer(
                self.store,
                host=cfg.host,
                port=cfg.port,
                admin=AdminHandler(self),
                registry=RegistryApi(self.registry),
                openshift_version=cfg.release,
                tls_port=cfg.tls_port,
                served=served_resources(self.shape),
            )
            self.api.start()
        self.engine.start()
        self._started = True
        return self

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        if self.api is not None:
            self.api.stop()
        self.engine.stop()

    def __enter__(self) -> Simulator:
        return self.start() if not self._started else self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self.api is None:
            raise RuntimeError("the API server is not running (start() first, serve_api=True)")
        return str(self.api.url)

    def write_kubeconfig(self, path: str | Path) -> Path:
        target = Path(path)
        api = self.api
        ca = api.cert.cert_pem if api is not None and api.cert is not None else None
        write_kubeconfig(target, self.url, tls_url=api.https_url if api is not None else None, ca_pem=ca)
        return target

    # ---- time ------------------------------------------------------------------------------------------
    def advance(self, seconds: float) -> None:
        """Virtual clock only: move time forward by `seconds`, running everything due on the way."""
        self.engine.advance(seconds)

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Run until predicate() holds (checked under the store lock); timeout in sim seconds."""
        return self.engine.run_until(predicate, timeout)

    @property
    def errors(self) -> list[str]:
        """Controller and API handler failures so far (both are bugs in the simulator; tests assert none)."""
        return [*self.engine.errors, *(self.api.errors if self.api is not None else [])]

    def settle(self) -> None:
        """Run every controller until nothing is dirty at the current instant."""
        self.engine.run_pending()

    # ---- cluster operations --------------------------------------------------------------------------
    def upgrade(self, release: str) -> None:
        with self.store.lock:
            upgrade_cluster(self.store, self.registry, self.registry.release(release))
        self.engine.wake()

    def rpm_ostree_status(self, node: str) -> str:
        with self.store.lock:
            self.store.get(NODES, node)
            progress = self.mco.daemons.progress.get(node)
            if progress is None:
                raise KeyError(f"node {node} is not managed by the machine-config-daemon")
            staged = progress.staged if progress.phase in (Phase.REBASE, Phase.REBOOT) else None
            return format_status(self.registry, progress.booted, progress.previous, staged)

    def booted_image(self, node: str) -> str:
        with self.store.lock:
            return self.mco.daemons.progress[node].booted

    def pool_updated(self, pool: str) -> bool:
        """Updated=True with every machine updated and the status caught up with the target."""
        obj = self.store.get(POOLS, pool)
        status = obj.get("status") or {}
        target = (obj["spec"].get("configuration") or {}).get("name")
        return (
            status_of(obj, "Updated") == "True"
            and status.get("observedGeneration") == obj["metadata"].get("generation")
            and (status.get("configuration") or {}).get("name") == target
        )

    def nodes_of(self, pool: str) -> list[str]:
        with self.store.lock:
            return self.mco.pools.nodes_of(pool)

    # ---- node faults -----------------------------------------------------------------------------------
    def fail_image(self, ref: str | None = None, failing: bool = True) -> None:
        """Make pulls of one image (ref or digest) fail, or of every image when ref is None."""
        with self.store.lock:
            self.registry.set_failing(ref, failing)

    def block_drain(self, node: str, blocked: bool = True) -> None:
        """Put a pod on `node` guarded by a PDB that allows no disruption (or remove that PDB)."""
        from .faults import block_drain, unblock_drain

        node = self.resolve_node(node)
        with self.store.lock:
            (block_drain if blocked else unblock_drain)(self.store, node)
        self.engine.wake()

    def fail_reboot(self, node: str, failing: bool = True) -> None:
        """The node goes down for its next reboot and never comes back (until cleared)."""
        node = self.resolve_node(node)
        with self.store.lock:
            self.store.get(NODES, node)
            self.mco.daemons.fail_reboot(node, failing)
        self.engine.wake()

    def reset_node(self, node: str) -> None:
        """The manual recovery of a node stuck Degraded: point its desiredConfig back at its currentConfig.

        The node controller never retargets a degraded node that is still cordoned (it is unavailable),
        so deleting or fixing the MachineConfig alone does not bring it back; an admin patches the node.
        """
        node = self.resolve_node(node)
        with self.store.lock:
            current = self.node_annotations(node).get("currentConfig", "")
            self.store.modify(NODES, node, lambda n: n["metadata"]["annotations"].update({c.DESIRED_CONFIG: current}))
        self.engine.wake()

    def add_image(self, ref: str, **metadata: Any) -> str:
        with self.store.lock:
            return self.registry.add(ref, **metadata).ref

    def move_tag(self, repository: str, tag: str, digest: str) -> None:
        with self.store.lock:
            self.registry.move_tag(repository, tag, digest)

    def _apply_startup_faults(self) -> None:
        for ref in self.config.failing_images:
            self.registry.set_failing(None if ref == "*" else ref)
        for node in self.config.blocked_drains:
            self.block_drain(self.resolve_node(node))
        for node in self.config.failing_reboots:
            self.fail_reboot(self.resolve_node(node))

    def resolve_node(self, spec: str) -> str:
        """A node name, or POOL:INDEX for the pool's INDEX-th node by name."""
        pool, sep, index = spec.partition(":")
        if sep and index.isdigit():
            return self.nodes_of(pool)[int(index)]
        return spec

    # ---- convenience for tests -------------------------------------------------------------------------
    def node_annotations(self, node: str) -> dict[str, str]:
        meta = self.store.get(NODES, node)["metadata"]
        return {
            k[len(c.PREFIX) :]: v
            for k, v in (meta.get("annotations") or {}).items()
            if k.startswith(c.PREFIX)
        }
