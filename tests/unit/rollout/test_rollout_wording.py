"""A decision is worded as what its writes will do; once a pass has made them, as what it did."""

from __future__ import annotations

from testkit import HOTFIX1

from reconciler.model import Binding, DesiredState, LiveState, Policy, PoolState
from reconciler.plan import make_plan
from reconciler.rollout import Decision, Memory, Phase, after_writes, decide

BASE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "0" * 64


def two_stages() -> Decision:
    bindings = (Binding("canary-image", "canary", HOTFIX1, 0), Binding("worker-image", "worker", HOTFIX1, 1))
    desired = DesiredState("https://git.example.com/layering.git", "c" * 40, bindings, Policy())
    pools = tuple(
        PoolState(name, roles, target_config=f"rendered-{name}-a", current_config=f"rendered-{name}-a",
                  target_image=BASE, current_image=BASE, machine_count=1, updated_count=1, ready_count=1)
        for name, roles in (("canary", ("worker", "canary")), ("worker", ("worker",)))
    )  # fmt: skip
    live = LiveState(BASE, "4.16.3", (), pools)
    return decide(make_plan(desired, live), desired, live, Memory(), {}, 1000.0)


def test_a_decision_says_what_its_writes_will_do() -> None:
    decision = two_stages()
    canary, worker = decision.pool("canary"), decision.pool("worker")
    assert canary is not None and worker is not None
    assert (canary.phase, canary.reason) == (Phase.WAITING, "next: write MachineConfig/99-layering-canary")
    assert worker.phase is Phase.WAITING and worker.reason.startswith("waiting for stage 0: canary is waiting")
    assert decision.summary.startswith("pending: canary next: write MachineConfig/99-layering-canary; worker ")


def test_after_its_writes_the_pool_waits_for_the_render() -> None:
    written = after_writes(two_stages(), {"canary"})
    canary = written.pool("canary")
    assert canary is not None and canary.phase is Phase.WRITTEN
    assert canary.reason == "MachineConfig written; waiting for the render"
    assert written.summary.startswith("in progress: canary written: MachineConfig written; waiting for the render")
    assert after_writes(two_stages(), set()) == two_stages()  # nothing written: nothing reworded


def test_the_summary_names_three_pools_and_counts_the_rest() -> None:
    """At fleet scale the summary stays one short line: the pools that move first, then counts by phase."""
    names = [f"p{n}" for n in range(6)]
    bindings = tuple(Binding(f"{name}-image", name, HOTFIX1, 0) for name in names)
    desired = DesiredState("https://git.example.com/layering.git", "c" * 40, bindings, Policy())
    pools = tuple(
        PoolState(name, ("worker", name), target_config=f"rendered-{name}-a", current_config=f"rendered-{name}-a",
                  target_image=BASE, current_image=BASE, machine_count=1, updated_count=1, ready_count=1)
        for name in names
    )
    live = LiveState(BASE, "4.16.3", (), pools)
    pending = decide(make_plan(desired, live), desired, live, Memory(), {}, 1000.0)
    assert pending.summary == ("pending: p0 next: write MachineConfig/99-layering-p0; p1 next: write "
                               "MachineConfig/99-layering-p1; p2 next: write MachineConfig/99-layering-p2; "
                               "and 3 more (3 waiting)")
    written = after_writes(pending, {"p4"})  # a pool that moves is named before those that wait
    assert written.summary.startswith("in progress: p4 written: MachineConfig written; waiting for the render; p0 ")
    assert written.summary.endswith("; and 3 more (3 waiting)")
