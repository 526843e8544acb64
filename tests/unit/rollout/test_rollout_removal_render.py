"""A removal that changes no image (our MC carried only kernel arguments, say) is rendered only once the
pool's target config is no longer made from our MachineConfig."""

from __future__ import annotations

from reconciler.model import DesiredState, LiveState, Policy, PoolState
from reconciler.plan import make_plan
from reconciler.rollout import Memory, Phase, RecordKind, decide
from reconciler.rollout.memory import PoolRecord

BASE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "0" * 64
DESIRED = DesiredState("https://git.example.com/layering.git", "c" * 40, (), Policy(allow_empty=True, bake_seconds=0))


def worker(sources: tuple[str, ...]) -> PoolState:
    return PoolState("worker", ("worker",), target_config="rendered-worker-a", current_config="rendered-worker-a",
                     target_image=BASE, current_image=BASE, target_sources=sources, machine_count=2,
                     updated_count=2, ready_count=2)  # fmt: skip


def removal_after(sources: tuple[str, ...]) -> Phase:
    record = PoolRecord(pool="worker", kind=RecordKind.REMOVE, image=None, replaced_image="", binding="w",
                        stage=0, window=None, affected=("worker",), base_image=BASE, started_at=0.0,
                        progress_at=0.0, written=True)  # fmt: skip
    live = LiveState(BASE, "4.16.3", (), (worker(sources),))
    decision = decide(make_plan(DESIRED, live), DESIRED, live, Memory(records=(record,)), {}, 100.0)
    progress = decision.pool("worker")
    assert progress is not None
    return progress.phase


def test_a_removal_is_not_rendered_while_the_target_config_is_made_from_our_mc() -> None:
    assert removal_after(("00-worker", "99-layering-worker")) is Phase.WRITTEN


def test_a_removal_is_rendered_once_our_mc_left_the_sources() -> None:
    assert removal_after(("00-worker",)) is Phase.DONE
