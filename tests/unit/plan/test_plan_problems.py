"""make_plan: blocking problems and warnings."""

from __future__ import annotations

from plan_builders import BASE, HOTFIX, HOTFIX2, INFRA_IMAGE, binding, desired, live, ours, pool

from reconciler.model import (
    ActionKind,
    Condition,
    Location,
    MachineConfigInfo,
    NodeState,
    Plan,
    PoolState,
    Severity,
)
from reconciler.plan import inheriting_pools, make_plan

CONFLICT_ADVICE = "remove the conflicting extension from the machine config before going on"


def blocking(plan: Plan) -> list[str]:
    return [str(p) for p in plan.problems if p.severity is Severity.BLOCKING]


def warnings(plan: Plan) -> list[str]:
    return [str(p) for p in plan.problems if p.severity is Severity.WARNING]


def test_binding_to_a_missing_pool_blocks_at_the_binding_location() -> None:
    plan = make_plan(desired(binding("canary")), live())
    assert plan.blocked
    assert blocking(plan) == [
        "bindings/canary.yaml:5:3: binding canary-hotfix: MachineConfigPool canary does not exist "
        "(pools: infra, master, worker)"
    ]


def test_later_unowned_mc_setting_an_image_shadows_ours_and_blocks() -> None:
    theirs = MachineConfigInfo("99-zz-worker-image", "worker", os_image_url=HOTFIX2)
    plan = make_plan(desired(binding()), live(theirs))
    (problem,) = blocking(plan)
    assert problem.startswith("MachineConfigPool/worker: MachineConfig 99-zz-worker-image also sets osImage")


def test_earlier_unowned_mc_setting_an_image_does_not_shadow_ours() -> None:
    theirs = MachineConfigInfo("50-worker-image", "worker", os_image_url=HOTFIX2)
    assert blocking(make_plan(desired(binding()), live(theirs))) == []


def test_worker_role_mc_never_shadows_a_custom_pools_own_mc() -> None:
    late_worker = MachineConfigInfo("zz-worker-image", "worker", os_image_url=HOTFIX2)
    late_infra = MachineConfigInfo("zz-infra-image", "infra", os_image_url=HOTFIX2)
    infra = desired(binding("infra", INFRA_IMAGE))
    assert blocking(make_plan(infra, live(late_worker))) == []
    assert "zz-infra-image" in blocking(make_plan(infra, live(late_infra)))[0]


def test_unowned_mc_with_our_name_blocks_and_is_never_updated() -> None:
    squatter = MachineConfigInfo("99-layering-worker", "worker", os_image_url=HOTFIX2)
    plan = make_plan(desired(binding()), live(squatter))
    assert [a.kind for a in plan.actions] == [ActionKind.CREATE]
    (problem,) = blocking(plan)
    assert "99-layering-worker already exists without the label" in problem


def test_unowned_mc_with_our_name_and_no_binding_is_left_alone() -> None:
    squatter = MachineConfigInfo("99-layering-worker", "worker", os_image_url=HOTFIX2)
    plan = make_plan(desired(), live(squatter))
    assert plan.actions == () and plan.problems == ()


def test_commit_removing_every_binding_blocks_unless_allowed() -> None:
    state = live(ours(binding()))
    plan = make_plan(desired(), state)
    assert [a.kind for a in plan.actions] == [ActionKind.DELETE]
    assert blocking(plan)[0].startswith("layering.yaml: this commit removes every binding")
    assert not make_plan(desired(allow_empty=True), state).blocked


def test_no_bindings_and_nothing_managed_is_in_sync() -> None:
    plan = make_plan(desired(), live())
    assert plan.in_sync and plan.problems == ()


def test_pool_without_nodes_is_a_warning_not_a_block() -> None:
    plan = make_plan(desired(binding("infra", INFRA_IMAGE)), live(pools=(pool("worker"), pool("infra", 0))))
    assert not plan.blocked
    assert warnings(plan) == [
        "MachineConfigPool/infra: pool has no nodes: nothing boots this image until nodes join"
    ]


def test_extension_mc_in_the_pool_warns_unless_conflicts_are_accepted() -> None:
    ext = MachineConfigInfo("80-worker-usbguard", "worker", extensions=("usbguard",))
    found = warnings(make_plan(desired(binding()), live(ext)))
    assert [p.split(":")[0] for p in found] == ["MachineConfigPool/worker", "MachineConfigPool/infra"]
    assert all("MachineConfig 80-worker-usbguard adds extensions [usbguard]" in p for p in found)
    assert all(CONFLICT_ADVICE in p for p in found)
    assert warnings(make_plan(desired(binding(accept_conflicts=True)), live(ext))) == []


def test_realtime_kernel_in_an_inheriting_pool_warns_on_that_pool() -> None:
    rt = MachineConfigInfo("90-infra-rt", "infra", kernel_type="realtime")
    (problem,) = warnings(make_plan(desired(binding()), live(rt)))
    assert problem.startswith("MachineConfigPool/infra: MachineConfig 90-infra-rt sets kernelType realtime")


def test_unchanged_pool_raises_no_conflict_warning() -> None:
    ext = MachineConfigInfo("80-worker-usbguard", "worker", extensions=("usbguard",))
    assert make_plan(desired(binding()), live(ext, ours(binding()))).problems == ()


def test_paused_pool_warns() -> None:
    plan = make_plan(desired(binding()), live(pools=(pool("worker", paused=True),)))
    assert warnings(plan) == [
        "MachineConfigPool/worker: pool is paused: the change is rendered but no node updates until "
        "the pool is unpaused"
    ]


def test_degraded_pool_warns_naming_nodes_and_reasons() -> None:
    degraded = Condition("Degraded", "True")
    nodes = (
        NodeState("worker-0", "worker"),
        NodeState("worker-1", "worker", state="Degraded", reason="failed to drain node: worker-1"),
    )
    state = live(pools=(pool("worker", conditions=(degraded,)),), nodes=nodes)
    (problem,) = warnings(make_plan(desired(binding()), state))
    assert "node worker-1 is Degraded: failed to drain node: worker-1" in problem
    assert "worker-0" not in problem


def test_render_degraded_pool_without_degraded_nodes_quotes_the_condition() -> None:
    cond = Condition("RenderDegraded", "True", message="Failed to render configuration for pool worker: x")
    state = live(pools=(pool("worker", conditions=(cond,)),))
    (problem,) = warnings(make_plan(desired(binding()), state))
    assert "RenderDegraded: Failed to render configuration for pool worker: x" in problem


def test_pool_not_selecting_its_own_role_blocks() -> None:
    odd = PoolState("infra", roles=("worker",), machine_count=1)
    plan = make_plan(desired(binding("infra", INFRA_IMAGE)), live(pools=(pool("worker"), odd)))
    assert "selects roles [worker] but not infra" in blocking(plan)[0]


def test_two_bindings_for_one_pool_block_at_the_second() -> None:
    second = binding(name="worker-other", image=HOTFIX2, location=Location("bindings/other.yaml", 2, 1))
    plan = make_plan(desired(binding(), second), live())
    assert len(plan.actions) == 1 and plan.actions[0].new_image == HOTFIX
    assert blocking(plan) == [
        "bindings/other.yaml:2:1: binding worker-other targets pool worker, already bound by worker-hotfix"
    ]


def test_inheriting_pools_follow_the_worker_role_unless_overridden() -> None:
    assert inheriting_pools("worker", live()) == ("infra",)
    assert inheriting_pools("master", live()) == ()
    assert inheriting_pools("infra", live()) == ()
    own = MachineConfigInfo("50-infra-image", "infra", os_image_url=INFRA_IMAGE)
    assert inheriting_pools("worker", live(own)) == ()


def test_removal_to_base_on_a_pool_that_is_already_on_base_reboots_nothing() -> None:
    same_as_base = ours(binding(image=BASE))
    plan = make_plan(desired(allow_empty=True), live(same_as_base))
    assert plan.actions[0].impact.nodes_to_reboot == 0
    assert plan.actions[0].old_image == BASE != HOTFIX
