"""Read only what a decision needs: node and MachineConfigNode data only for pools that are moving.

A pool whose status says all its machines are updated, none degraded or unavailable, and whose
current config is its target has nothing per node to tell the plan or the rollout: its counts come
from its status. Nodes are read (listed, or taken from the watch cache) only when some pool is not
settled: a one-shot read lists only the nodes of those pools (by their node selectors, a few pools
at most), and only the nodes of those pools are derived.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reconciler.model import LiveState, MachineConfigInfo, NodeState, PoolState
from reconciler.records import record

from .api import KubeApi
from .nodes import node_state, pool_for_node, selector_query
from .parse import machine_config_info, meta, pool_state
from .read import (
    drain_blockers,
    list_custom,
    list_machine_config_nodes,
    list_nodes,
    machine_config_nodes_of,
    read_osimageurl,
)

Obj = dict[str, Any]
_UNSETTLED_TRUE = ("Updating", "Degraded", "NodeDegraded", "RenderDegraded")
MAX_NODE_QUERIES = 4  # more moving pools than this: one list of every node costs less than a list each
MAX_MCN_READS = 32  # more listed nodes than this: one list of every MachineConfigNode


def _name(obj: Obj) -> str:
    return str(meta(obj).get("name", ""))


def settled(pool: PoolState) -> bool:
    """Updated on its target with every machine updated and none degraded or unavailable."""
    count = pool.machine_count
    return (
        bool(pool.target_config)
        and pool.target_config == pool.current_config
        and _conditions_settled(pool)
        and pool.updated_count == count
        and pool.ready_count == count
        and not pool.unavailable_count
        and not pool.degraded_count
        and pool.observed_generation >= pool.generation
    )


def _conditions_settled(pool: PoolState) -> bool:
    """Updated True and none of the unsettling conditions True; a type given twice counts each time."""
    updated = False
    for condition in pool.conditions:
        if condition.type == "Updated":
            if condition.status != "True":
                return False
            updated = True
        elif condition.type in _UNSETTLED_TRUE and condition.status == "True":
            return False
    return updated


def unsettled_pools(pools: Iterable[PoolState]) -> set[str]:
    return {p.name for p in pools if not settled(p)}


class NodeDeriver:
    """NodeState of the nodes of the wanted pools; a node's pool is remembered while neither the node
    (its resourceVersion) nor the pools' selectors change, so a pass over a large cache stays cheap."""

    def __init__(self) -> None:
        self._pool_of: dict[str, tuple[str, str, str]] = {}  # node -> (node rv, selectors key, pool)

    def pool_of(self, node: Obj, mcn: Obj | None, pools: list[Obj], selectors_key: str) -> str:
        mcn_pool = str((((mcn or {}).get("spec") or {}).get("pool") or {}).get("name") or "")
        if mcn_pool:
            return mcn_pool
        name, rv = _name(node), str(meta(node).get("resourceVersion", ""))
        known = self._pool_of.get(name)
        if known is not None and known[0] == rv and known[1] == selectors_key and rv:
            return known[2]
        pool = pool_for_node(node, pools)
        self._pool_of[name] = (rv, selectors_key, pool)
        return pool

    def states(self, nodes: Iterable[Obj], pools: list[Obj], mcns: dict[str, Obj],
               wanted: set[str] | None, blockers: dict[str, str] | None = None) -> tuple[NodeState, ...]:
        """wanted None: every node. `blockers`: why a node's drain waits (read.drain_blockers)."""
        if wanted is not None and not wanted:
            return ()
        targets = {_name(p): str(((p.get("spec") or {}).get("configuration") or {}).get("name") or "")
                   for p in pools}
        key = repr(sorted((_name(p), repr((p.get("spec") or {}).get("nodeSelector"))) for p in pools))
        found = []
        for node in nodes:
            mcn = mcns.get(_name(node))
            pool = self.pool_of(node, mcn, pools, key)
            if wanted is None or pool in wanted:
                found.append(node_state(node, pool, mcn, targets.get(pool, ""), (blockers or {}).get(_name(node), "")))
        return tuple(sorted(found, key=lambda n: n.name))


@record
class Parsed:
    """MachineConfigs and pools as the model, sorted by name. Parsed once: the pools decide which
    nodes to read, then make the LiveState."""

    machine_configs: tuple[MachineConfigInfo, ...]
    pools: tuple[PoolState, ...]


def parse_all(machine_configs: Iterable[Obj], pools: Iterable[Obj]) -> Parsed:
    """Pure: each pool with the osImageURL of its rendered configs."""
    infos = tuple(sorted((machine_config_info(mc) for mc in machine_configs), key=lambda m: m.name))
    rendered_images = {m.name: m.os_image_url for m in infos}
    return Parsed(infos, tuple(sorted((pool_state(p, rendered_images) for p in pools), key=lambda p: p.name)))


def assemble(
    parsed: Parsed,
    pools: list[Obj],
    nodes: Iterable[Obj],
    mcns: dict[str, Obj],
    base_image: str,
    release: str,
    now: float,
    *,
    wanted: set[str] | None,
    deriver: NodeDeriver | None = None,
    blockers: dict[str, str] | None = None,
) -> LiveState:
    """Pure: the parsed configs and pools, with the nodes of the `wanted` pools (None: all) from the raw
    `pools` (their node selectors), to the model."""
    return LiveState(
        base_image=base_image,
        release_version=release,
        machine_configs=parsed.machine_configs,
        pools=parsed.pools,
        nodes=(deriver or NodeDeriver()).states(nodes, pools, mcns, wanted, blockers),
        observed_at=now,
    )


def node_queries(pools: list[Obj], wanted: set[str]) -> list[str] | None:
    """The label selectors that together list every node of the `wanted` pools (a pool without a
    node selector has none), or None when one list of every node is needed: a pool selects every
    node or a selector the API cannot be asked for exactly, or more than MAX_NODE_QUERIES pools move.
    A listed node of another pool is left out by NodeDeriver, which places every node by all pools."""
    queries: list[str] = []
    for pool in pools:
        selector = (pool.get("spec") or {}).get("nodeSelector")
        if _name(pool) not in wanted or selector is None:
            continue
        query = selector_query(selector) if isinstance(selector, dict) else None
        if query is None:
            return None
        queries.append(query)
    unique = list(dict.fromkeys(queries))
    return unique if len(unique) <= MAX_NODE_QUERIES else None


def nodes_needed(api: KubeApi, pools: list[Obj], wanted: set[str] | None) -> tuple[list[Obj], dict[str, Obj]]:
    """The nodes a decision reads and their MachineConfigNodes: none when every pool is settled, those
    of the moving pools (listed by their node selectors), or all of them (`wanted` None: status shows
    every node). The MachineConfigNodes of at most MAX_MCN_READS listed nodes are read one by one."""
    if wanted is not None and not wanted:
        return [], {}
    queries = node_queries(pools, wanted) if wanted is not None else None
    if queries is None:
        nodes = list_nodes(api)
        return nodes, list_machine_config_nodes(api) if nodes else {}
    found: dict[str, Obj] = {}
    for query in queries:
        for node in list_nodes(api, query):
            found.setdefault(_name(node), node)
    if not found:
        return [], {}
    few = len(found) <= MAX_MCN_READS
    return list(found.values()), machine_config_nodes_of(api, found) if few else list_machine_config_nodes(api)


def read_needed(api: KubeApi, now: float, every_node: bool = False) -> LiveState:
    """One read for a decision: MachineConfigs and pools always; nodes and MachineConfigNodes only
    when a pool is not settled (an idle cluster costs two lists and one GET, whatever its size), or
    all of them with `every_node` (status shows them)."""
    machine_configs = list_custom(api, "machineconfigs")
    pools = list_custom(api, "machineconfigpools")
    parsed = parse_all(machine_configs, pools)
    wanted = None if every_node else unsettled_pools(parsed.pools)
    nodes, mcns = nodes_needed(api, pools, wanted)
    base_image, release = read_osimageurl(api)
    return assemble(parsed, pools, nodes, mcns, base_image, release, now, wanted=wanted,
                    blockers=drain_blockers(api, nodes, mcns))
