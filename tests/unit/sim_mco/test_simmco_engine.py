"""The controller engine never drops a timer: every scheduled instant calls its handler."""

from __future__ import annotations

from mcosim.clock import VirtualClock
from mcosim.engine import Engine
from mcosim.store import Store


def _engine() -> tuple[Engine, VirtualClock, list[float]]:
    clock = VirtualClock(start=0.0)
    engine = Engine(Store(clock), clock)
    calls: list[float] = []
    engine.register("daemon", lambda key: calls.append(clock.now()))
    return engine, clock, calls


def test_a_later_timer_is_not_folded_into_an_earlier_one() -> None:
    """A handler woken early only re-checks and waits: the later instant it waits for must still
    come. (Folding it into the earlier timer left 100 of 1 000 nodes draining forever.)"""
    engine, _, calls = _engine()
    engine.at(10.0, "daemon", "node-a")
    engine.at(20.0, "daemon", "node-a")
    engine.advance(30.0)
    assert calls == [10.0, 20.0]


def test_an_earlier_timer_still_fires_first_and_duplicates_fire_once() -> None:
    engine, _, calls = _engine()
    engine.at(20.0, "daemon", "node-a")
    engine.at(5.0, "daemon", "node-a")
    engine.at(5.0, "daemon", "node-a")
    engine.advance(30.0)
    assert calls == [5.0, 20.0]
    assert engine.next_timer() is None
