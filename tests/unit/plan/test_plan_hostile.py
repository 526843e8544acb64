"""Plans that must not mislead: a stray MachineConfig of ours, a removal with no image, the control plane."""

from __future__ import annotations

from plan_builders import BASE, HOTFIX, binding, desired, live, ours, pool

from reconciler.model import MANAGED_BY_LABEL, MANAGED_BY_VALUE, ActionKind, MachineConfigInfo, Severity
from reconciler.plan import make_plan
from reconciler.report.plan_text import plan_markdown
from reconciler.rollout import Memory, Phase, decide


def stray(pool_name: str, stage: int = 0) -> MachineConfigInfo:
    return ours(binding(pool_name, stage=stage), rv="7")


def test_our_mc_for_a_missing_pool_is_a_located_warning_and_a_delete_that_reboots_nothing() -> None:
    plan = make_plan(desired(allow_empty=True), live(stray("gone")))
    (action,) = plan.actions
    assert (action.kind, action.mc_name, action.impact.nodes_to_reboot) == (ActionKind.DELETE, "99-layering-gone", 0)
    (problem,) = plan.problems
    assert problem.severity is Severity.WARNING
    assert str(problem).startswith("MachineConfig/99-layering-gone: owned by the reconciler for MachineConfigPool gone")
    assert "no pool selects role gone" in problem.message


def test_a_stray_mc_in_stage_0_never_holds_a_later_stage_back() -> None:
    want = desired(binding("worker", stage=1))
    cluster = live(stray("gone", stage=0))
    decision = decide(make_plan(want, cluster), want, cluster, Memory(), {}, 1000.0)
    written = {w.mc_name for w in decision.writes if hasattr(w, "mc_name")}
    assert written == {"99-layering-gone", "99-layering-worker"}, decision.summary
    after = live(ours(binding("worker", stage=1)))  # the stray is gone, ours is written
    again = decide(make_plan(want, after), want, after, decision.memory, {}, 1060.0)
    gone = again.pool("gone")
    assert gone is not None and gone.phase is Phase.DONE and again.memory.record("gone") is None


def test_removing_our_mc_with_kernel_arguments_reboots_every_pool_that_renders_it() -> None:
    mc = MachineConfigInfo("99-layering-worker", "worker", managed=True, has_other_content=True,
                           labels=((MANAGED_BY_LABEL, MANAGED_BY_VALUE),))  # fmt: skip
    plan = make_plan(desired(allow_empty=True), live(mc))
    (action,) = plan.actions
    assert action.kind is ActionKind.DELETE
    assert action.impact.nodes_to_reboot == 3 + 2  # worker and infra, which inherits worker MCs
    assert set(action.impact.pools) == {"worker", "infra"}


def test_removing_our_empty_mc_reboots_nothing() -> None:
    mc = MachineConfigInfo("99-layering-worker", "worker", managed=True, labels=((MANAGED_BY_LABEL, MANAGED_BY_VALUE),))
    (action,) = make_plan(desired(allow_empty=True), live(mc)).actions
    assert action.impact.nodes_to_reboot == 0


def test_a_master_binding_warns_with_the_number_of_control_plane_nodes() -> None:
    plan = make_plan(desired(binding("master")), live(pools=(pool("master", 3), pool("worker"))))
    (problem,) = [p for p in plan.problems if "control-plane" in p.message]
    assert problem.severity is Severity.WARNING and problem.subject == "MachineConfigPool/master"
    assert "reboots 3 control-plane node(s)" in problem.message
    assert "reboots 3 control-plane node(s)" in plan_markdown(plan)


def test_a_worker_binding_does_not_warn_about_the_control_plane() -> None:
    plan = make_plan(desired(binding("worker")), live())
    assert not [p for p in plan.problems if "control-plane" in p.message]


def test_an_unchanged_master_binding_does_not_warn() -> None:
    b = binding("master")
    plan = make_plan(desired(b), live(ours(b)))
    assert not [p for p in plan.problems if "control-plane" in p.message]


def test_a_pool_shadowed_after_it_was_done_is_shadowed_not_done() -> None:
    b = binding("worker")
    on_hotfix = pool("worker", target_image=HOTFIX, current_image=HOTFIX,
                     target_config="rendered-worker-b", current_config="rendered-worker-b")
    rolled = live(ours(b), pools=(pool("master"), on_hotfix))
    want = desired(b)
    first = decide(make_plan(want, rolled), want, rolled, Memory(), {}, 1000.0)
    done = first.pool("worker")
    assert done is not None and done.phase is Phase.DONE
    theirs = MachineConfigInfo("99-zz-worker", "worker", os_image_url=BASE)
    shadowed = live(ours(b), theirs, pools=rolled.pools)
    plan = make_plan(want, shadowed)
    assert plan.blocked
    worker = decide(plan, want, shadowed, first.memory, {}, 2000.0).pool("worker")
    assert worker is not None and worker.phase is Phase.SHADOWED and "99-zz-worker" in worker.reason


def test_a_removal_that_changes_no_render_says_no_node_reboots() -> None:
    mc = MachineConfigInfo("99-layering-worker", "worker", managed=True, labels=((MANAGED_BY_LABEL, MANAGED_BY_VALUE),))
    (problem,) = make_plan(desired(allow_empty=True), live(mc)).problems
    assert "no render changes and no node reboots" in problem.message and "drain-and-reboot" not in problem.message
