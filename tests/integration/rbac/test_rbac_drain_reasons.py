"""Naming what blocks a drain on clusters without MachineConfigNodes needs list on pods and
PodDisruptionBudgets: an optional right (deploy/optional/drain-reasons.yaml). Without it the reconciler
still reads the cluster and says how to see the reason; with it, the reason names the budget."""

from __future__ import annotations

from pathlib import Path

import yaml
from rbac_world import DEPLOY, deploy_objects, install
from test_rbac_least_privilege import admin, as_account, worker_mc

from mcosim import Simulator
from reconciler.cluster.read import DRAIN_REASON_HIDDEN
from reconciler.model import NodeState


def _draining_worker(sim: Simulator, tmp_path: Path) -> str:
    """A worker whose drain a PodDisruptionBudget blocks, mid rollout of our MachineConfig."""
    node = sim.nodes_of("worker")[0]
    sim.block_drain(node)
    with admin(sim, tmp_path) as cluster:
        cluster.create_machine_config(worker_mc())
    sim.advance(600)  # rendered, targeted, cordoned: the drain waits on the budget
    return node


def _nodes(sim: Simulator, tmp_path: Path) -> tuple[NodeState, ...]:
    with as_account(sim, tmp_path) as cluster:
        return cluster.read_live(0.0).nodes


def _reason(sim: Simulator, tmp_path: Path, node: str) -> str:
    return next(n.reason for n in _nodes(sim, tmp_path) if n.name == node)


def test_without_the_optional_right_the_reason_says_how_to_see_it(sim: Simulator, tmp_path: Path) -> None:
    install(sim)
    node = _draining_worker(sim, tmp_path)
    assert _reason(sim, tmp_path, node) == DRAIN_REASON_HIDDEN


def test_with_the_optional_right_the_reason_names_the_budget(sim: Simulator, tmp_path: Path) -> None:
    optional = [doc for doc in yaml.safe_load_all((DEPLOY / "optional" / "drain-reasons.yaml").read_text()) if doc]
    install(sim, [*deploy_objects(), *optional])
    node = _draining_worker(sim, tmp_path)
    assert "Cannot evict pod as it would violate the pod's disruption budget" in _reason(sim, tmp_path, node)
