"""Maintenance windows: waiting for an opening, overrun pause and resume, and other people's pauses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from rollout_cluster import GOOD, binding, desired, new_cluster, policy
from rollout_driver import Controller, progress

from reconciler.rollout import PausePool, Phase, WindowStatus


class Switch:
    """A window opened and closed by the test; when closed it says it opens in an hour."""

    def __init__(self, is_open: bool) -> None:
        self.open = is_open

    def __call__(self, now: float) -> Mapping[str, WindowStatus]:
        if self.open:
            return {"nightly": WindowStatus("nightly", True, None, now + 3600)}
        return {"nightly": WindowStatus("nightly", False, now + 3600, None)}


def windowed(window: Switch, **kw: object) -> Controller:
    want = desired(binding("canary", GOOD, 0, window="nightly"), policy=policy(**kw))
    return Controller(new_cluster({"canary": 2}), lambda c: want, windows=window)


def test_closed_window_waits_with_the_next_opening_then_starts_when_it_opens() -> None:
    window = Switch(False)
    ctl = windowed(window)
    for _ in range(5):
        decision = ctl.step()
        canary = progress(decision, "canary")
        assert canary.phase is Phase.WAITING and not decision.writes
    assert canary.window == "nightly" and canary.window_opens_at == ctl.now - 60 + 3600
    assert canary.reason.startswith("outside window nightly; opens 2023-11-")
    window.open = True
    assert [w.pool for w in ctl.step().writes] == ["canary"]
    ctl.run_until_done()


def test_overrun_pause_pauses_when_the_window_closes_and_resumes_when_it_opens() -> None:
    window = Switch(True)
    ctl = windowed(window, overrun="pause")
    ctl.step()
    while progress(ctl.decisions[-1], "canary").phase is not Phase.ROLLING:
        ctl.step()
    window.open = False
    closing = ctl.step()
    pauses = [w for w in closing.writes if isinstance(w, PausePool)]
    assert [(w.pool, w.paused) for w in pauses] == [("canary", True)]
    assert closing.memory.paused_by_us == ("canary",)
    frozen = ctl.cluster.nodes
    for _ in range(5):
        held = ctl.step()
        assert progress(held, "canary").phase is Phase.PAUSED and not held.writes
    assert ctl.cluster.nodes == frozen and ctl.cluster.pool("canary").paused
    window.open = True
    reopening = ctl.step()
    assert [w for w in reopening.writes if isinstance(w, PausePool)] == [
        PausePool("canary", False, "window open again")
    ]
    assert reopening.memory.paused_by_us == ("canary",)  # kept until the cluster shows it unpaused
    assert ctl.step().memory.paused_by_us == ()
    ctl.run_until_done()
    assert (
        ctl.cluster.log.count("pause canary True") == 1 and ctl.cluster.log.count("pause canary False") == 1
    )


def test_overrun_finish_never_pauses() -> None:
    window = Switch(True)
    ctl = windowed(window, overrun="finish")
    ctl.step()
    window.open = False
    ctl.run_until_done()
    assert not [entry for entry in ctl.cluster.log if entry.startswith("pause")]


def test_a_pool_paused_by_someone_else_blocks_the_start_and_is_never_unpaused() -> None:
    ctl = windowed(Switch(True), overrun="pause")
    ctl.cluster = replace(ctl.cluster, pools=tuple(replace(p, paused=True) for p in ctl.cluster.pools))
    for _ in range(5):
        decision = ctl.step()
        assert not decision.writes
    assert (
        progress(decision, "canary").reason
        == "MachineConfigPool/canary is paused by someone else; it must be unpaused first"
    )


def test_a_pause_by_someone_else_mid_rollout_is_respected() -> None:
    ctl = windowed(Switch(True), overrun="pause")
    ctl.step()
    ctl.step()
    ctl.cluster = replace(ctl.cluster, pools=tuple(replace(p, paused=True) for p in ctl.cluster.pools))
    for _ in range(10):
        decision = ctl.step()
        assert not decision.writes and decision.memory.paused_by_us == ()
    canary = decision.pool("canary")
    assert canary is not None and canary.phase is Phase.PAUSED and "paused by someone else" in canary.reason
