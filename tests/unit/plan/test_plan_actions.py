"""make_plan: one action per bound pool, drift, deletes, impact."""

from __future__ import annotations

from dataclasses import replace

import pytest
from plan_builders import (
    BASE,
    COMMIT,
    HOTFIX,
    HOTFIX2,
    INFRA_IMAGE,
    REPO,
    binding,
    desired,
    live,
    ours,
    pool,
)

from reconciler.model import (
    ANNOTATION_BINDING,
    ANNOTATION_SOURCE,
    ANNOTATION_STAGE,
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    ROLE_LABEL,
    Action,
    ActionKind,
    Impact,
    MachineConfigInfo,
)
from reconciler.ourmc import for_binding as desired_machine_config
from reconciler.plan import make_plan


def test_desired_machine_config_has_our_name_labels_and_annotations() -> None:
    mc = desired_machine_config(binding(stage=2), desired(binding()))
    assert mc.name == "99-layering-worker"
    assert mc.pool == "worker"
    assert mc.os_image_url == HOTFIX
    assert dict(mc.labels) == {ROLE_LABEL: "worker", MANAGED_BY_LABEL: MANAGED_BY_VALUE}
    assert dict(mc.annotations) == {
        ANNOTATION_BINDING: "worker-hotfix",
        ANNOTATION_SOURCE: f"{REPO}@{COMMIT}:bindings/worker.yaml",
        ANNOTATION_STAGE: "2",
    }


def test_new_binding_creates_and_reaches_the_inheriting_custom_pool() -> None:
    plan = make_plan(desired(binding()), live())
    (action,) = plan.actions
    assert action.kind is ActionKind.CREATE
    assert (action.old_image, action.new_image) == (None, HOTFIX)
    assert action.desired == desired_machine_config(binding(), desired(binding()))
    assert drift_text(action) == ()
    assert action.impact == Impact(pools=("worker", "infra"), nodes_to_reboot=5)
    assert not plan.blocked and not plan.in_sync


def test_live_mc_matching_the_binding_is_unchanged() -> None:
    plan = make_plan(desired(binding()), live(ours(binding())))
    (action,) = plan.actions
    assert action.kind is ActionKind.UNCHANGED
    assert action.impact == Impact((), 0)
    assert plan.in_sync


def test_new_commit_that_leaves_the_pool_alone_is_not_an_update() -> None:
    plan = make_plan(desired(binding(), commit="b" * 40), live(ours(binding(), commit=COMMIT)))
    assert [a.kind for a in plan.actions] == [ActionKind.UNCHANGED]


def test_image_bump_updates_with_the_field_difference() -> None:
    plan = make_plan(desired(binding(image=HOTFIX2)), live(ours(binding(), rv="77")))
    (action,) = plan.actions
    assert action.kind is ActionKind.UPDATE
    assert (action.old_image, action.new_image) == (HOTFIX, HOTFIX2)
    assert action.live_resource_version == "77"
    assert drift_text(action) == (f"spec.osImageURL: {HOTFIX} → {HOTFIX2}",)
    assert action.impact.nodes_to_reboot == 5


def test_stage_change_updates_without_rebooting() -> None:
    plan = make_plan(desired(binding(stage=1)), live(ours(binding())))
    (action,) = plan.actions
    assert action.kind is ActionKind.UPDATE
    assert drift_text(action) == (f"metadata.annotations[{ANNOTATION_STAGE}]: 0 → 1",)
    assert action.impact.nodes_to_reboot == 0


def test_hand_edited_spec_is_restored_with_drift_listed() -> None:
    edited = ours(binding(), os_image_url=HOTFIX2, kernel_type="realtime", has_other_content=True)
    (action,) = make_plan(desired(binding()), live(edited)).actions
    assert action.kind is ActionKind.UPDATE
    assert drift_text(action) == (
        "spec (config, kernelArguments, …): content besides osImageURL added (edited outside git)",
        "spec.kernelType: realtime added (edited outside git)",
        f"spec.osImageURL: {HOTFIX2} → {HOTFIX}",
    )


def test_removed_role_label_is_restored_and_reboots_because_the_pool_lost_the_image() -> None:
    stripped = ours(binding(), role=None, labels=((MANAGED_BY_LABEL, MANAGED_BY_VALUE),))
    (action,) = make_plan(desired(binding()), live(stripped)).actions
    assert action.kind is ActionKind.UPDATE
    assert drift_text(action) == (f"metadata.labels[{ROLE_LABEL}]: missing (removed outside git)",)
    assert action.impact == Impact(("worker", "infra"), 5)


def test_mc_deleted_by_hand_while_the_pool_runs_its_image_is_recreated_as_drift() -> None:
    pools = (pool("worker", current_image=HOTFIX, target_image=BASE), pool("infra", 2))
    (action,) = make_plan(desired(binding()), live(pools=pools)).actions
    assert action.kind is ActionKind.CREATE
    assert drift_text(action) == ("deleted outside git",)


def test_removed_binding_deletes_our_mc_and_warns_about_the_reboot_to_base() -> None:
    plan = make_plan(desired(binding("infra", INFRA_IMAGE)), live(ours(binding(), rv="9")))
    delete = next(a for a in plan.actions if a.pool == "worker")
    assert delete.kind is ActionKind.DELETE
    assert (delete.old_image, delete.new_image, delete.live_resource_version) == (HOTFIX, None, "9")
    assert delete.impact == Impact(("worker",), 3)  # infra keeps its own image
    (warning,) = [p for p in plan.problems if p.subject == "MachineConfigPool/worker"]
    assert "back to the base image" in warning.message and BASE in warning.message
    assert "drain-and-reboot of 3 node(s)" in warning.message


def test_unmanaged_mc_setting_an_image_is_never_touched() -> None:
    theirs = MachineConfigInfo("50-worker-custom", "worker", os_image_url=HOTFIX2)
    plan = make_plan(desired(), live(theirs))
    assert plan.actions == () and plan.problems == ()


def test_actions_are_sorted_by_pool_and_deterministic() -> None:
    state = desired(binding("worker"), binding("infra", INFRA_IMAGE), binding("master"))
    first = make_plan(state, live())
    reversed_state = replace(state, bindings=tuple(reversed(state.bindings)))
    assert [a.pool for a in first.actions] == ["infra", "master", "worker"]
    assert make_plan(reversed_state, live()) == first


def test_custom_pool_with_its_own_binding_is_not_counted_twice() -> None:
    plan = make_plan(desired(binding("worker"), binding("infra", INFRA_IMAGE)), live())
    impacts = {a.pool: a.impact for a in plan.actions}
    assert impacts == {"infra": Impact(("infra",), 2), "worker": Impact(("worker",), 3)}


def test_worker_bump_does_not_reach_a_custom_pool_with_its_own_override() -> None:
    infra = binding("infra", INFRA_IMAGE)
    state = desired(binding("worker", HOTFIX2), infra)
    plan = make_plan(state, live(ours(binding()), ours(infra)))
    worker = next(a for a in plan.actions if a.pool == "worker")
    assert worker.impact == Impact(("worker",), 3)


def test_removing_a_custom_override_falls_back_to_the_worker_image_and_counts_once() -> None:
    infra = binding("infra", INFRA_IMAGE)
    plan = make_plan(desired(binding("worker", HOTFIX2)), live(ours(binding()), ours(infra)))
    impacts = {a.pool: a.impact for a in plan.actions}
    assert impacts == {"infra": Impact(("infra",), 2), "worker": Impact(("worker", "infra"), 3)}
    infra_problems = [p for p in plan.problems if p.subject == "MachineConfigPool/infra"]
    (removal,) = [p for p in infra_problems if "removed" in p.message]
    assert "the image of another MachineConfig" in removal.message and HOTFIX2 in removal.message


def test_stray_managed_mc_with_another_name_is_pruned() -> None:
    stray = ours(binding(), name="99-layering-worker-old")
    plan = make_plan(desired(binding()), live(stray))
    kinds = {a.mc_name: a.kind for a in plan.actions}
    assert kinds == {"99-layering-worker": ActionKind.CREATE, "99-layering-worker-old": ActionKind.DELETE}
    assert sum(a.impact.nodes_to_reboot for a in plan.actions) == 0  # same image either way


def drift_text(action: Action) -> tuple[str, ...]:
    return tuple(str(d) for d in action.drift)


@pytest.mark.parametrize("kind", [ActionKind.CREATE, ActionKind.UPDATE])
def test_a_create_or_update_cannot_be_built_without_the_machine_config_to_write(kind: ActionKind) -> None:
    with pytest.raises(ValueError, match="needs the MachineConfig to write"):
        Action("worker", kind, "99-layering-worker", None, HOTFIX)
