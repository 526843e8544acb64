"""`run` follows the cluster through watches: after its first pass, a change that matters (our
MachineConfig deleted by hand) wakes the loop at once, long before the next interval, and the woken
pass repairs it without listing the cluster again."""

from __future__ import annotations

from recon_world import World, binding_yaml, policy_yaml
from testkit import HOTFIX1

from mcosim.resources import MACHINE_CONFIGS
from reconciler.controller.loop import Loop

MC = "99-layering-worker"


def test_a_hand_deleted_machine_config_wakes_the_loop(world: World) -> None:
    world.repo.write("layering.yaml", policy_yaml(bake="0s"))
    world.repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", HOTFIX1))
    world.repo.commit("Bind worker")
    loop = Loop(world.reconciler(), interval=3600)
    loop.tick()  # the first pass starts the watches and writes our MachineConfig
    assert loop.following and loop.failures == 0
    assert world.sim.store.try_get(MACHINE_CONFIGS, MC) is not None
    loop.requested.clear()
    with world.sim.store.lock:
        world.sim.store.delete(MACHINE_CONFIGS, MC)
    assert loop.requested.wait(10), "deleting our MachineConfig wakes the loop"
    lists = world.cluster._cache.list_count() if world.cluster._cache else 0
    loop.tick()
    assert world.sim.store.try_get(MACHINE_CONFIGS, MC) is not None, "the woken pass writes it again"
    assert world.cluster._cache is not None
    assert world.cluster._cache.list_count() == lists + 1  # only the kind it wrote is listed again
