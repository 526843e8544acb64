"""Clocks for the simulator: a virtual one for tests and a scaled wall clock for `--speed`."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol

EPOCH = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch, in simulated time."""
        ...


class VirtualClock:
    """Time moves only when `advance` is called (tests) or the engine fast-forwards it."""

    def __init__(self, start: float = EPOCH) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def set(self, when: float) -> None:
        with self._lock:
            self._now = max(self._now, when)


class ScaledClock:
    """Wall-clock time running `speed` times faster, starting now."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self._wall0 = time.time()
        self._mono0 = time.monotonic()

    def now(self) -> float:
        return self._wall0 + (time.monotonic() - self._mono0) * self.speed

    def wall_seconds(self, sim_seconds: float) -> float:
        return sim_seconds / self.speed


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
