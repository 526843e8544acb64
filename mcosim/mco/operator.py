"""Wires the MCO controllers to the store and the engine.

A store listener only marks keys dirty (it runs under the store lock on every write); the engine
then runs the controllers: render (after the ≈5 s render delay), daemons, the node controller with
pool status, PDB status and the workload rescheduler.
"""

from __future__ import annotations

from ..engine import Engine
from ..pdb import sync_budgets
from ..registry import Registry
from ..releases import ReleaseShape, mcn_type
from ..resources import CONFIGMAPS, MACHINE_CONFIGS, NODES, PDBS, PODS, POOLS
from ..selectors import match_label_selector_object
from ..store import Store, WatchEvent
from . import constants as c
from .daemon import Daemons
from .drain import Drainer
from .events import EventRecorder
from .mcn import McnWriter
from .nodes import NodeController
from .pools import PoolIndex
from .render import RENDER_DELAY, RenderController
from .workloads import PodIndex, Rescheduler


class MachineConfigOperator:
    def __init__(
        self,
        store: Store,
        engine: Engine,
        registry: Registry,
        *,
        seed: int = 0,
        events: bool = True,
        shape: ReleaseShape | None = None,
    ) -> None:
        self.shape = shape or ReleaseShape("4.16.3")
        self.store = store
        self.engine = engine
        self.registry = registry
        self.record_event = EventRecorder(store, enabled=events)
        self.pools = PoolIndex()
        self.pods = PodIndex()
        self.mcn = McnWriter(store, mcn_type(self.shape))
        self.rescheduler = Rescheduler(
            store, self.pods, self.pools.nodes_with_role, lambda delay: engine.after(delay, "workloads", "")
        )
        self.render = RenderController(store, self.record_event, self.shape)
        self.nodes = NodeController(store, self.pools, self.record_event, self.shape)
        self.daemons = Daemons(
            store,
            registry,
            Drainer(store, self.pods, self.rescheduler),
            self.mcn,
            self.record_event,
            lambda when, node: engine.at(when, "daemon", node),
            seed,
            self.shape,
        )
        self._pool_generation: dict[str, int] = {}
        self._mc_labels: dict[str, dict[str, str]] = {}  # labels of each MC as last seen: who selected it
        self._pdb_namespaces: set[str] = set()
        engine.register("render", self.render.sync)
        engine.register("daemon", self.daemons.sync)
        engine.register("mcnpool", self._sync_mcn_pool)
        engine.register("pool", self.nodes.sync)
        engine.register("pdb", lambda namespace: sync_budgets(store, namespace))
        engine.register("workloads", lambda _key: self.rescheduler.sync())
        store.add_listener(self.on_event)

    def pool_names(self) -> list[str]:
        return sorted(self.pools.selectors)

    def render_all_later(self) -> None:
        for pool in self.pool_names():
            self.engine.after(RENDER_DELAY, "render", pool)

    # ---- the listener ---------------------------------------------------------------------------
    def on_event(self, event: WatchEvent) -> None:
        handler = {
            MACHINE_CONFIGS: self._on_machine_config,
            POOLS: self._on_pool,
            NODES: self._on_node,
            PODS: self._on_pod,
            PDBS: self._on_pdb,
            CONFIGMAPS: self._on_configmap,
        }.get(event.rt)
        if handler is not None:
            handler(event)

    def _on_machine_config(self, event: WatchEvent) -> None:
        name = event.obj["metadata"]["name"]
        if name.startswith("rendered-"):
            if event.type == "DELETED":
                for node in self.pools.pool_of:
                    self.engine.mark("daemon", node)
                self.render_all_later()
            return
        before = self._mc_labels.pop(name, None)
        now = None if event.type == "DELETED" else dict(event.obj["metadata"].get("labels") or {})
        if now is not None:
            self._mc_labels[name] = now
        for pool in self.store.items(POOLS):
            selector = (pool.get("spec") or {}).get("machineConfigSelector")
            if any(labels is not None and match_label_selector_object(selector, labels) for labels in (before, now)):
                self.engine.after(RENDER_DELAY, "render", pool["metadata"]["name"])

    def _on_pool(self, event: WatchEvent) -> None:
        name = event.obj["metadata"]["name"]
        pools = list(self.store.items(POOLS))
        if self.pools.set_pools(pools):
            for pool in self.pool_names():
                self.engine.mark("pool", pool)
            for node in self.pools.pool_of:
                self.engine.mark("mcnpool", node)
        if event.type == "DELETED":
            self._pool_generation.pop(name, None)
            return
        generation = event.obj["metadata"].get("generation", 1)
        if self._pool_generation.get(name) != generation:
            self._pool_generation[name] = generation
            self.engine.after(RENDER_DELAY, "render", name)
        self.engine.mark("pool", name)

    def _on_node(self, event: WatchEvent) -> None:
        name = event.obj["metadata"]["name"]
        labels = None if event.type == "DELETED" else (event.obj["metadata"].get("labels") or {})
        old, new = self.pools.update_node(name, labels)
        for pool in {old, new} - {None}:
            self.engine.mark("pool", pool)  # type: ignore[arg-type]
        if old != new and new is not None:
            self.engine.mark("mcnpool", name)
        self.engine.mark("daemon", name)

    def _on_pod(self, event: WatchEvent) -> None:
        self.pods.on_event(event)
        namespace = event.obj["metadata"].get("namespace", "")
        if namespace in self._pdb_namespaces:
            self.engine.mark("pdb", namespace)

    def _on_pdb(self, event: WatchEvent) -> None:
        namespace = event.obj["metadata"].get("namespace", "")
        self._pdb_namespaces.add(namespace)
        self.engine.mark("pdb", namespace)

    def _on_configmap(self, event: WatchEvent) -> None:
        meta = event.obj["metadata"]
        if meta.get("namespace") == c.MCO_NAMESPACE and meta["name"] == c.OSIMAGEURL_CONFIGMAP:
            self.render_all_later()

    def _sync_mcn_pool(self, node: str) -> None:
        pool = self.pools.pool_of.get(node)
        if pool is not None:
            self.mcn.set_pool(node, pool)
