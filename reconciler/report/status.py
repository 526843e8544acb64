"""`reconciler status`: per pool and per node, as JSON (schemaVersion 1) and as tables.

`phases` maps a pool name to its rollout phase in words; the rollout stage supplies it when it knows
(waiting, rolling, baking …). Without it the field is null and the column is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.model import (
    ANNOTATION_BINDING,
    ANNOTATION_SOURCE,
    DesiredState,
    LiveState,
    MachineConfigInfo,
    NodeState,
    PoolState,
    mc_name_for_pool,
)
from reconciler.report.console import Part, Table, table, to_string
from reconciler.report.images import Shortener, shortener

SCHEMA_VERSION = 1
SHOWN_CONDITIONS = ("Updated", "Updating", "Degraded")
MACHINES = "Upd/Ready/Degr"


def status_to_dict(
    live: LiveState, desired: DesiredState | None, phases: Mapping[str, str] | None = None
) -> dict[str, Any]:
    return {
        "schemaVersion": SCHEMA_VERSION,
        "kind": "Status",
        "releaseVersion": live.release_version,
        "baseImage": live.base_image,
        "desired": {"repo": desired.repo, "commit": desired.commit} if desired else None,
        "pools": [_pool(p, live, desired, phases or {}) for p in _pools(live)],
        "nodes": [_node(n) for n in _nodes(live)],
    }


def _pools(live: LiveState) -> list[PoolState]:
    return sorted(live.pools, key=lambda p: p.name)


def _nodes(live: LiveState) -> list[NodeState]:
    return sorted(live.nodes, key=lambda n: (n.pool, n.name))


def our_mc(live: LiveState, pool: str) -> MachineConfigInfo | None:
    mc = live.machine_config(mc_name_for_pool(pool))
    return mc if mc is not None and mc.managed else None


def _pool(
    pool: PoolState, live: LiveState, desired: DesiredState | None, phases: Mapping[str, str]
) -> dict[str, Any]:
    binding = desired.binding_for(pool.name) if desired else None
    mc = our_mc(live, pool.name)
    return {
        "name": pool.name,
        "binding": binding.name if binding else None,
        "desiredImage": binding.os_image_url if binding else None,
        "machineConfig": _mc(mc) if mc else None,
        "targetConfig": pool.target_config,
        "currentConfig": pool.current_config,
        "targetImage": pool.target_image,
        "currentImage": pool.current_image,
        "paused": pool.paused,
        "machineCount": pool.machine_count,
        "updatedMachineCount": pool.updated_count,
        "readyMachineCount": pool.ready_count,
        "unavailableMachineCount": pool.unavailable_count,
        "degradedMachineCount": pool.degraded_count,
        "conditions": {t: _condition_status(pool, t) for t in SHOWN_CONDITIONS},
        "conditionDetails": [
            {"type": c.type, "status": c.status, "reason": c.reason, "message": c.message}
            for c in pool.conditions
        ],
        "phase": phases.get(pool.name),
    }


def _condition_status(pool: PoolState, type_: str) -> str | None:
    cond = pool.condition(type_)
    return cond.status if cond else None


def _mc(mc: MachineConfigInfo) -> dict[str, Any]:
    return {
        "name": mc.name,
        "image": mc.os_image_url,
        "binding": mc.annotation(ANNOTATION_BINDING),
        "source": mc.annotation(ANNOTATION_SOURCE),
    }


def _node(node: NodeState) -> dict[str, Any]:
    return {
        "name": node.name,
        "pool": node.pool,
        "currentConfig": node.current_config,
        "desiredConfig": node.desired_config,
        "state": node.state,
        "reason": node.reason,
        "phase": node.phase,
        "ready": node.ready,
        "unschedulable": node.unschedulable,
    }


# ---- tables ----------------------------------------------------------------------------------------
def status_table(
    live: LiveState,
    desired: DesiredState | None,
    width: int,
    phases: Mapping[str, str] | None = None,
) -> str:
    doc = status_to_dict(live, desired, phases)
    short = shortener([live.base_image, *(i for p in doc["pools"] for i in _pool_images(p))])
    parts: list[Part] = [_header(live, desired, short)]
    parts.append(_pool_table(doc["pools"], short, with_phase=phases is not None))
    parts.append(_render_table(doc["pools"], short))
    if doc["nodes"]:
        parts.append(_node_table(doc["nodes"]))
    return to_string(parts, width=width)


def _header(live: LiveState, desired: DesiredState | None, short: Shortener) -> str:
    head = f"Cluster: OpenShift {live.release_version or '?'}, base image {short(live.base_image) or '?'}"
    return head + (f"\nRepository: {desired.repo} at {desired.commit}" if desired else "")


def _pool_images(pool: dict[str, Any]) -> list[str]:
    mc = pool["machineConfig"]
    found = [pool["desiredImage"], pool["targetImage"], pool["currentImage"], mc["image"] if mc else None]
    return [i for i in found if i]


def _pool_table(pools: list[dict[str, Any]], short: Shortener, with_phase: bool) -> Table:
    columns = ["Pool", "Binding", "Desired image", "Our MC", *SHOWN_CONDITIONS, MACHINES]
    widest = max((len(short(p["desiredImage"])) for p in pools if p["desiredImage"]), default=0)
    grid = table(
        *columns, *(["Phase"] if with_phase else []), title="Pools",
        min_widths={"Desired image": widest, "Phase": 30},
    )
    for p in pools:
        row = [
            p["name"],
            p["binding"] or "-",
            short(p["desiredImage"]) if p["desiredImage"] else "-",
            _mc_cell(p["machineConfig"], p["desiredImage"], short),
            *(p["conditions"][t] or "-" for t in SHOWN_CONDITIONS),
            _counts(p),
        ]
        row += [p["phase"] or "-"] if with_phase else []
        grid.add_row(*row)
    return grid


def _render_table(pools: list[dict[str, Any]], short: Shortener) -> Table:
    grid = table("Pool", "Target config", "Current config", "Target image", "Current image", title="Rendered")
    for p in pools:
        current_image = p["currentImage"] if p["currentImage"] != p["targetImage"] else ""
        row = [
            p["name"],
            short_config(p["targetConfig"]) or "-",
            short_config(p["currentConfig"]) if p["currentConfig"] != p["targetConfig"] else "(same)",
            short(p["targetImage"]) or "-",
            short(current_image) if current_image else "(same)",
        ]
        grid.add_row(*row)
    return grid


def _mc_cell(mc: dict[str, Any] | None, desired_image: str | None, short: Shortener) -> str:
    if mc is None:
        return "-"
    return (
        mc["name"] if mc["image"] == desired_image else f"{mc['name']}\n({short(mc['image']) or 'no image'})"
    )


def short_config(name: str) -> str:
    """`rendered-worker-<32 hex>` → `rendered-worker-<10 hex>`; the JSON keeps the full name."""
    prefix, _, digest = name.rpartition("-")
    return f"{prefix}-{digest[:10]}" if prefix and len(digest) == 32 else name


def _counts(pool: dict[str, Any]) -> str:
    counts = (
        f"{pool['updatedMachineCount']}/{pool['readyMachineCount']}/{pool['degradedMachineCount']}"
        f" of {pool['machineCount']}"
    )
    return counts + (" (paused)" if pool["paused"] else "")


def _node_table(nodes: list[dict[str, Any]]) -> Table:
    columns = ("Node", "Pool", "Current config", "Desired config", "State", "Reason", "Phase")
    grid = table(*columns, title="Nodes")
    for n in nodes:
        row = [
            n["name"],
            n["pool"],
            short_config(n["currentConfig"]) or "-",
            short_config(n["desiredConfig"]) if n["desiredConfig"] != n["currentConfig"] else "(same)",
            _node_state(n),
            n["reason"] or "-",
            n["phase"] or "-",
        ]
        grid.add_row(*row)
    return grid


def _node_state(node: dict[str, Any]) -> str:
    extra = ([] if node["ready"] else ["NotReady"]) + (["cordoned"] if node["unschedulable"] else [])
    return ", ".join([node["state"], *extra])
