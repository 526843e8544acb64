"""Node controller and pool behaviour: capacity, order, paused and custom pools, faults, upgrade."""

from __future__ import annotations

from collections.abc import Callable

from simmco_helpers import (
    HOTFIX1,
    RT_IMAGE,
    USBGUARD_IMAGE,
    apply_mc,
    condition,
    layer_mc,
    rolled_out,
    target,
)

from mcosim import Simulator
from mcosim.mco.nodestate import rollout_order
from mcosim.resources import MACHINE_CONFIGS, NODES, POOLS


def targeted(sim: Simulator, pool: str) -> list[str]:
    goal = target(sim, pool)
    return [n for n in sim.nodes_of(pool) if sim.node_annotations(n)["desiredConfig"] == goal]


def test_max_unavailable_percent_and_zone_order(make_sim: Callable[..., Simulator]) -> None:
    sim = make_sim(workers=20, max_unavailable={"worker": "10%"})
    apply_mc(sim, layer_mc(HOTFIX1))
    first = targeted(sim, "worker")
    assert len(first) == 2  # 10% of 20
    nodes = [sim.store.get(NODES, n) for n in sim.nodes_of("worker")]
    expected = [n["metadata"]["name"] for n in rollout_order(nodes)][:2]
    assert sorted(first) == sorted(expected)
    assert {sim.store.get(NODES, n)["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in first} == {
        "us-west-1a"
    }
    assert sim.run_until(rolled_out(sim, "worker"), 6 * 3600)


def test_max_unavailable_rounds_down_but_never_to_zero(make_sim: Callable[..., Simulator]) -> None:
    sim = make_sim(workers=3, max_unavailable={"worker": "10%"})
    apply_mc(sim, layer_mc(HOTFIX1))
    assert len(targeted(sim, "worker")) == 1


def test_paused_pool_renders_but_does_not_roll(sim: Simulator) -> None:
    sim.store.modify(POOLS, "worker", lambda p: p["spec"].update(paused=True))
    before = {n: sim.node_annotations(n)["desiredConfig"] for n in sim.nodes_of("worker")}
    apply_mc(sim, layer_mc(HOTFIX1))
    new = target(sim, "worker")
    sim.advance(1800)
    assert {n: sim.node_annotations(n)["desiredConfig"] for n in sim.nodes_of("worker")} == before
    assert (
        condition(sim, "worker", "Updating")["message"]
        == f"Pool is paused; will not update to MachineConfig {new}"
    )
    sim.store.modify(POOLS, "worker", lambda p: p["spec"].update(paused=False))
    assert sim.run_until(rolled_out(sim, "worker"), 3 * 3600)


def test_custom_pool_inherits_worker_and_own_mc_wins(make_sim: Callable[..., Simulator]) -> None:
    sim = make_sim(workers=2, pools={"canary": 1})
    canary = sim.nodes_of("canary")
    assert len(canary) == 1 and canary[0] not in sim.nodes_of("worker")
    apply_mc(sim, layer_mc(HOTFIX1))
    assert sim.run_until(lambda: rolled_out(sim, "worker")() and rolled_out(sim, "canary")(), 3 * 3600)
    assert sim.booted_image(canary[0]) == HOTFIX1
    hotfix2 = sim.registry.pull("quay.io/my-registry/rhcos-hotfix:4.16-hotfix2").ref
    apply_mc(sim, layer_mc(hotfix2, role="canary", name="10-canary-image"))
    assert sim.run_until(rolled_out(sim, "canary"), 3 * 3600)
    assert sim.booted_image(canary[0]) == hotfix2
    assert all(sim.booted_image(n) == HOTFIX1 for n in sim.nodes_of("worker"))


def test_pdb_blocked_drain_retries_then_degrades_after_an_hour(sim: Simulator) -> None:
    first = rollout_order([sim.store.get(NODES, n) for n in sim.nodes_of("worker")])[0]["metadata"]["name"]
    sim.block_drain(first)
    apply_mc(sim, layer_mc(HOTFIX1))
    sim.advance(3000)
    assert sim.node_annotations(first)["state"] == "Working"
    assert sim.store.get(NODES, first)["spec"]["unschedulable"] is True
    sim.advance(900)
    notes = sim.node_annotations(first)
    assert notes["state"] == "Degraded"
    assert notes["reason"] == (
        f"failed to drain node: {first} after 1 hour. Please see machine-config-controller "
        "logs for more information"
    )
    assert condition(sim, "worker", "NodeDegraded")["status"] == "True"
    sim.block_drain(first, blocked=False)
    assert sim.run_until(rolled_out(sim, "worker"), 3 * 3600)


def test_node_that_never_comes_back_from_reboot_stalls_the_pool(sim: Simulator) -> None:
    first = rollout_order([sim.store.get(NODES, n) for n in sim.nodes_of("worker")])[0]["metadata"]["name"]
    sim.fail_reboot(first)
    apply_mc(sim, layer_mc(HOTFIX1))
    sim.advance(2 * 3600)
    ready = next(x for x in sim.store.get(NODES, first)["status"]["conditions"] if x["type"] == "Ready")
    assert ready["status"] == "Unknown"
    assert len(targeted(sim, "worker")) == 1
    assert sim.store.get(POOLS, "worker")["status"]["unavailableMachineCount"] == 1
    sim.fail_reboot(first, failing=False)
    assert sim.run_until(rolled_out(sim, "worker"), 3 * 3600)


def test_upgrade_rolls_only_pools_without_an_override(make_sim: Callable[..., Simulator]) -> None:
    sim = make_sim(pools={"canary": 1})
    apply_mc(sim, layer_mc(HOTFIX1, role="canary", name="99-layering-canary"))
    assert sim.run_until(rolled_out(sim, "canary"), 3 * 3600)
    sim.upgrade("4.16.9")
    sim.advance(6)
    new_base = sim.registry.release("4.16.9").base.ref
    assert sim.store.get(MACHINE_CONFIGS, target(sim, "worker"))["spec"]["osImageURL"] == new_base
    assert sim.store.get(MACHINE_CONFIGS, target(sim, "canary"))["spec"]["osImageURL"] == HOTFIX1
    assert sim.run_until(lambda: all(rolled_out(sim, p)() for p in ("worker", "master", "canary")), 6 * 3600)
    assert all(sim.booted_image(n) == new_base for n in sim.nodes_of("worker") + sim.nodes_of("master"))
    assert sim.booted_image(sim.nodes_of("canary")[0]) == HOTFIX1


def test_realtime_and_extension_conflicts_degrade_the_node(sim: Simulator) -> None:
    apply_mc(sim, layer_mc(RT_IMAGE, kernelType="realtime"))
    assert sim.run_until(lambda: condition(sim, "worker", "NodeDegraded")["status"] == "True", 3600)
    assert "kernel-rt-core" in condition(sim, "worker", "NodeDegraded")["message"]
    sim.store.delete(MACHINE_CONFIGS, "os-layer-custom")
    failed = next(n for n in sim.nodes_of("worker") if sim.node_annotations(n)["state"] == "Degraded")
    assert not sim.run_until(rolled_out(sim, "worker"), 3600), "a cordoned degraded node is never retargeted"
    sim.reset_node(failed)
    assert sim.run_until(rolled_out(sim, "worker"), 3600)
    apply_mc(sim, layer_mc(USBGUARD_IMAGE, extensions=["usbguard"]))
    assert sim.run_until(lambda: condition(sim, "worker", "NodeDegraded")["status"] == "True", 3600)
    assert (
        "Package/capability 'usbguard' is already provided"
        in condition(sim, "worker", "NodeDegraded")["message"]
    )


def test_invalid_extension_makes_the_pool_render_degraded(sim: Simulator) -> None:
    before = target(sim, "worker")
    apply_mc(
        sim,
        {
            "metadata": {"name": "99-ext", "labels": {"machineconfiguration.openshift.io/role": "worker"}},
            "spec": {"extensions": ["vim"]},
        },
    )
    degraded = condition(sim, "worker", "RenderDegraded")
    assert degraded["status"] == "True"
    assert (
        degraded["message"]
        == "Failed to render configuration for pool worker: could not generate rendered MachineConfig: "
        "invalid extensions found: [vim]"
    )
    assert condition(sim, "worker", "Degraded")["status"] == "True" and target(sim, "worker") == before
