"""Cluster.read_live against the simulator's API over HTTP."""

from __future__ import annotations

from cluster_world import BASE, HOTFIX, World, add_machine_config_node

from mcosim.resources import MACHINE_CONFIGS
from reconciler.cluster import Cluster


def test_reads_base_image_release_and_machine_configs(cluster: Cluster) -> None:
    live = cluster.read_live(now=123.0)
    assert (live.base_image, live.release_version, live.observed_at) == (BASE, "4.16.3", 123.0)
    template = live.machine_config("00-worker")
    hand_made = live.machine_config("99-worker-hand-made")
    assert template is not None and template.generated_by_controller and template.role == "worker"
    assert hand_made is not None and hand_made.os_image_url == HOTFIX
    assert not hand_made.managed and not hand_made.generated_by_controller and hand_made.resource_version


def test_reads_pools_with_roles_and_rendered_images(cluster: Cluster) -> None:
    live = cluster.read_live(now=0.0)
    assert [p.name for p in live.pools] == ["infra", "master", "worker"]
    worker, infra = live.pool("worker"), live.pool("infra")
    assert worker is not None and infra is not None
    assert infra.roles == ("worker", "infra")
    assert (worker.target_config, worker.current_config) == ("rendered-worker-b", "rendered-worker-a")
    assert (worker.target_image, worker.current_image) == (HOTFIX, BASE)
    assert worker.condition("Updated") is not None and not worker.is_true("Updated")


def test_reads_nodes_with_pool_membership_and_phase(cluster: Cluster) -> None:
    nodes = {n.name: n for n in cluster.read_live(now=0.0).nodes}
    assert {name: n.pool for name, n in nodes.items()} == {
        "master-0": "master", "worker-0": "worker", "infra-0": "infra",
    }
    worker = nodes["worker-0"]
    assert (worker.state, worker.unschedulable, worker.phase) == ("Working", True, "draining")
    assert (worker.current_config, worker.desired_config, worker.zone) == (
        "rendered-worker-a", "rendered-worker-b", "us-west-1a",
    )
    assert nodes["infra-0"].phase == "updated"


def test_machine_config_node_decides_pool_and_phase(world: World, cluster: Cluster) -> None:
    add_machine_config_node(
        world.store, "worker-0", "worker", UpdatePrepared="True", Cordoned="True", Drained="True",
        AppliedFilesAndOS="Unknown",
    )
    add_machine_config_node(world.store, "infra-0", "worker")  # MCN's pool wins over selectors
    nodes = {n.name: n for n in cluster.read_live(now=0.0).nodes}
    assert nodes["worker-0"].phase == "applying"
    assert nodes["infra-0"].pool == "worker"


def test_reread_sees_changes(world: World, cluster: Cluster) -> None:
    before = cluster.read_live(now=0.0)
    world.store.delete(MACHINE_CONFIGS, "99-worker-hand-made")
    after = cluster.read_live(now=1.0)
    assert before.machine_config("99-worker-hand-made") is not None
    assert after.machine_config("99-worker-hand-made") is None
