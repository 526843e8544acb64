"""Cluster.read_live against the simulator's API over HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from cluster_world import BASE, HOTFIX, World, add_machine_config_node, observed

from mcosim.resources import MACHINE_CONFIGS, NODES
from reconciler.cluster import Cluster
from reconciler.cluster.selective import MAX_MCN_READS


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


def test_a_one_shot_read_lists_only_the_nodes_of_moving_pools(world: World, cluster: Cluster) -> None:
    """worker is mid-rollout, master and infra are settled: one list of worker's nodes by its node
    selector (infra-0 carries the worker label too and is left out as infra's), none of the others."""
    observed(world)
    urls: list[str] = []
    cluster._api.observe = lambda method, url, size: urls.append(url)
    live = cluster.read_live(now=0.0, every_node=False)
    node_lists = [parse_qs(urlsplit(url).query) for url in urls if urlsplit(url).path == "/api/v1/nodes"]
    assert node_lists == [{"labelSelector": ["node-role.kubernetes.io/worker="]}]
    every = cluster.read_live(now=0.0, every_node=True)
    assert live.nodes == tuple(n for n in every.nodes if n.pool == "worker")
    assert [n.name for n in live.nodes] == ["worker-0"]


def mcn_reads(urls: list[str]) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(url).query) for url in urls if urlsplit(url).path.endswith("/machineconfignodes")]


def test_the_machine_config_nodes_of_few_listed_nodes_are_read_one_by_one(world: World, cluster: Cluster) -> None:
    observed(world)
    add_machine_config_node(world.store, "worker-0", "worker", UpdatePrepared="True", Cordoned="True",
                            Drained="True", AppliedFilesAndOS="Unknown")
    add_machine_config_node(world.store, "master-0", "master")
    urls: list[str] = []
    cluster._api.observe = lambda method, url, size: urls.append(url)
    live = cluster.read_live(now=0.0, every_node=False)
    assert [n.phase for n in live.nodes] == ["applying"]  # from worker-0's MachineConfigNode
    assert mcn_reads(urls) == [{"fieldSelector": [f"metadata.name={name}"]} for name in ("infra-0", "worker-0")]


def test_the_machine_config_nodes_of_many_listed_nodes_are_listed_at_once(world: World, cluster: Cluster) -> None:
    observed(world)
    for index in range(MAX_MCN_READS):
        world.store.create(NODES, {"metadata": {"name": f"worker-{index + 1}",
                                                "labels": {"node-role.kubernetes.io/worker": ""}}})
    urls: list[str] = []
    cluster._api.observe = lambda method, url, size: urls.append(url)
    live = cluster.read_live(now=0.0, every_node=False)
    assert len(live.nodes) == MAX_MCN_READS + 1
    assert mcn_reads(urls) == [{}]
