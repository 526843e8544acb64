"""Writing our MachineConfigs and pausing pools through the simulator's API."""

from __future__ import annotations

import pytest
from cluster_world import HOTFIX, World

from mcosim.resources import MACHINE_CONFIGS, POOLS
from reconciler.cluster import Cluster
from reconciler.errors import Conflict, NotFound, Refused
from reconciler.model import (
    ANNOTATION_BINDING,
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    ROLE_LABEL,
    DesiredMachineConfig,
    mc_name_for_pool,
)

HOTFIX2 = "quay.io/my-registry/rhcos-hotfix@sha256:" + "2" * 64
GENERATED = "machineconfiguration.openshift.io/generated-by-controller-version"


def desired(
    image: str = HOTFIX, pool: str = "worker", extra: tuple[tuple[str, str], ...] = ()
) -> DesiredMachineConfig:
    return DesiredMachineConfig(
        name=mc_name_for_pool(pool),
        pool=pool,
        os_image_url=image,
        labels=((ROLE_LABEL, pool), (MANAGED_BY_LABEL, MANAGED_BY_VALUE)),
        annotations=((ANNOTATION_BINDING, f"{pool}-hotfix"), *extra),
    )


def edit_spec(world: World, **fields: str) -> None:
    """Someone edits our MC by hand."""
    world.store.modify(MACHINE_CONFIGS, "99-layering-worker", lambda mc: mc["spec"].update(fields))


def test_create_writes_exactly_our_body(world: World, cluster: Cluster) -> None:
    rv = cluster.create_machine_config(desired(extra=((GENERATED, "must-not-be-copied"),)))
    stored = world.store.get(MACHINE_CONFIGS, "99-layering-worker")
    assert rv == stored["metadata"]["resourceVersion"]
    assert stored["spec"] == {"osImageURL": HOTFIX}
    assert stored["metadata"]["labels"] == {ROLE_LABEL: "worker", MANAGED_BY_LABEL: MANAGED_BY_VALUE}
    assert stored["metadata"]["annotations"] == {ANNOTATION_BINDING: "worker-hotfix"}
    info = cluster.read_live(now=0.0).machine_config("99-layering-worker")
    assert info is not None and info.managed and info.resource_version == rv


def test_create_of_a_taken_name_is_a_conflict(cluster: Cluster) -> None:
    cluster.create_machine_config(desired())
    with pytest.raises(Conflict, match=r"^MachineConfig/99-layering-worker: "):
        cluster.create_machine_config(desired())


def test_update_replaces_the_whole_object(world: World, cluster: Cluster) -> None:
    rv = cluster.create_machine_config(desired())
    edit_spec(world, kernelType="realtime")
    drifted = cluster.read_live(now=0.0).machine_config("99-layering-worker")
    assert drifted is not None and drifted.resource_version != rv
    new_rv = cluster.update_machine_config(desired(HOTFIX2), drifted.resource_version)
    stored = world.store.get(MACHINE_CONFIGS, "99-layering-worker")
    assert stored["spec"] == {"osImageURL": HOTFIX2}  # the hand edit is gone
    assert new_rv == stored["metadata"]["resourceVersion"]


def test_update_with_a_stale_resource_version_is_a_conflict(world: World, cluster: Cluster) -> None:
    rv = cluster.create_machine_config(desired())
    edit_spec(world, osImageURL=HOTFIX2)
    with pytest.raises(Conflict, match=r"^MachineConfig/99-layering-worker: changed since it was read"):
        cluster.update_machine_config(desired(), rv)
    assert world.store.get(MACHINE_CONFIGS, "99-layering-worker")["spec"]["osImageURL"] == HOTFIX2


def test_delete_removes_our_machine_config(world: World, cluster: Cluster) -> None:
    rv = cluster.create_machine_config(desired())
    cluster.delete_machine_config("99-layering-worker", rv)
    assert world.store.try_get(MACHINE_CONFIGS, "99-layering-worker") is None
    with pytest.raises(NotFound, match=r"^MachineConfig/99-layering-worker: not found"):
        cluster.delete_machine_config("99-layering-worker", rv)


def test_delete_with_a_stale_resource_version_is_a_conflict(world: World, cluster: Cluster) -> None:
    rv = cluster.create_machine_config(desired())
    cluster.update_machine_config(desired(HOTFIX2), rv)
    with pytest.raises(Conflict):
        cluster.delete_machine_config("99-layering-worker", rv)
    assert world.store.try_get(MACHINE_CONFIGS, "99-layering-worker") is not None


def test_unmanaged_machine_configs_are_never_updated_or_deleted(world: World, cluster: Cluster) -> None:
    name = "99-worker-hand-made"
    before = world.store.get(MACHINE_CONFIGS, name)
    rv = before["metadata"]["resourceVersion"]
    foreign = DesiredMachineConfig(name, "worker", HOTFIX2, ((ROLE_LABEL, "worker"),), ())
    with pytest.raises(Refused, match=rf"^MachineConfig/{name}: not managed by us"):
        cluster.update_machine_config(foreign, rv)
    with pytest.raises(Refused, match=rf"^MachineConfig/{name}: not managed by us"):
        cluster.delete_machine_config(name, rv)
    assert world.store.get(MACHINE_CONFIGS, name) == before


def test_a_label_removed_by_hand_makes_our_machine_config_foreign(world: World, cluster: Cluster) -> None:
    cluster.create_machine_config(desired())
    world.store.modify(
        MACHINE_CONFIGS, "99-layering-worker", lambda mc: mc["metadata"]["labels"].pop(MANAGED_BY_LABEL)
    )
    rv = world.store.get(MACHINE_CONFIGS, "99-layering-worker")["metadata"]["resourceVersion"]
    with pytest.raises(Refused):
        cluster.delete_machine_config("99-layering-worker", rv)


def test_pause_and_unpause_touch_only_spec_paused(world: World, cluster: Cluster) -> None:
    before = world.store.get(POOLS, "worker")
    cluster.set_pool_paused("worker", True)
    paused = world.store.get(POOLS, "worker")
    assert paused["spec"]["paused"] is True
    assert paused["spec"]["configuration"] == before["spec"]["configuration"]
    assert paused["status"] == before["status"]
    pool = cluster.read_live(now=0.0).pool("worker")
    assert pool is not None and pool.paused
    cluster.set_pool_paused("worker", False)
    assert world.store.get(POOLS, "worker")["spec"] == before["spec"]


def test_pausing_a_missing_pool_names_it(cluster: Cluster) -> None:
    with pytest.raises(NotFound, match=r"^MachineConfigPool/gpu: not found"):
        cluster.set_pool_paused("gpu", True)
