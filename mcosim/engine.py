"""Time and scheduling for the simulated controllers.

Controllers register a handler per kind ("render", "daemon", "pool" …) and get called with a key
(a pool or node name) when that key is dirty: marked by a store listener, by another controller, or
by a timer coming due. Handlers are level-triggered: they re-read the store and decide from scratch,
so being called more often than needed is harmless.

All handlers run with the store lock held, so API writes and controller writes never interleave.
One background thread drives the work; with a virtual clock it only reacts at the current instant
(tests move time with `advance`) unless `fast_forward` lets it jump to the next timer by itself.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable

from .clock import ScaledClock, VirtualClock
from .store import Store

log = logging.getLogger("mcosim.engine")

Handler = Callable[[str], None]
_MAX_ROUNDS = 100_000


class Engine:
    def __init__(
        self,
        store: Store,
        clock: VirtualClock | ScaledClock,
        *,
        fast_forward: bool = False,
        ff_max_speed: float = 3000.0,
    ) -> None:
        self.store = store
        self.clock = clock
        self.virtual = isinstance(clock, VirtualClock)
        self.fast_forward = fast_forward and self.virtual
        self.ff_max_speed = ff_max_speed
        self.errors: list[str] = []  # handler failures, kept so tests can assert there are none
        self._handlers: dict[str, Handler] = {}
        self._dirty: dict[str, dict[str, None]] = {}
        self._timers: list[tuple[float, int, str, str]] = []
        self._pending: set[tuple[float, str, str]] = set()  # (when, kind, key) of every queued timer
        self._seq = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ff_origin = (0.0, 0.0)  # (sim time, wall monotonic) the fast-forward budget counts from

    # ---- registration and scheduling (callers hold the store lock) ---------------------------
    def register(self, kind: str, handler: Handler) -> None:
        """Kinds run in registration order whenever several are dirty."""
        self._handlers[kind] = handler
        self._dirty[kind] = {}

    def mark(self, kind: str, key: str) -> None:
        self._dirty[kind][key] = None

    def at(self, when: float, kind: str, key: str) -> None:
        """Mark (kind, key) dirty at sim time `when`. Every timer fires: a later one is never folded
        into an earlier one, since the handler called early may only re-check and wait for it."""
        if (when, kind, key) in self._pending:
            return
        self._pending.add((when, kind, key))
        self._seq += 1
        heapq.heappush(self._timers, (when, self._seq, kind, key))

    def after(self, delay: float, kind: str, key: str) -> None:
        self.at(self.clock.now() + delay, kind, key)

    def next_timer(self) -> float | None:
        return self._timers[0][0] if self._timers else None

    def wake(self) -> None:
        with self.store.changed:
            self.store.changed.notify_all()

    # ---- running -------------------------------------------------------------------------------
    def run_pending(self) -> None:
        """Fire due timers and run handlers until nothing is dirty."""
        with self.store.lock:
            self._fire_due(self.clock.now())
            for _ in range(_MAX_ROUNDS):
                kind = next((k for k, keys in self._dirty.items() if keys), None)
                if kind is None:
                    return
                keys = list(self._dirty[kind])
                self._dirty[kind].clear()
                for key in keys:
                    self._call(kind, key)
            self.errors.append("controllers did not settle")

    def advance(self, seconds: float) -> None:
        """Virtual clock only: move time forward, running everything that comes due on the way."""
        if not isinstance(self.clock, VirtualClock):
            raise RuntimeError("advance() needs the virtual clock")
        with self.store.lock:
            target = self.clock.now() + seconds
            self.run_pending()
            while (when := self.next_timer()) is not None and when <= target:
                self.clock.set(when)
                self.run_pending()
            self.clock.set(target)
            self.run_pending()

    def run_until(self, predicate: Callable[[], bool], timeout: float, step: float = 1.0) -> bool:
        """Virtual clock: advance timer by timer until predicate holds or `timeout` sim seconds pass."""
        if not isinstance(self.clock, VirtualClock):
            return self._wait_real(predicate, timeout)
        with self.store.lock:
            deadline = self.clock.now() + timeout
            self.run_pending()
            while not predicate():
                when = self.next_timer()
                if self.clock.now() >= deadline:
                    return False
                self.clock.set(min(deadline, when if when is not None else self.clock.now() + step))
                self.run_pending()
            return True

    def _wait_real(self, predicate: Callable[[], bool], timeout: float) -> bool:
        assert isinstance(self.clock, ScaledClock)
        deadline = time.monotonic() + self.clock.wall_seconds(timeout)
        while time.monotonic() < deadline:
            with self.store.lock:
                if predicate():
                    return True
            time.sleep(0.01)
        with self.store.lock:
            return predicate()

    def _fire_due(self, now: float) -> None:
        while (when := self.next_timer()) is not None and when <= now:
            _, _, kind, key = heapq.heappop(self._timers)
            self._pending.discard((when, kind, key))
            self.mark(kind, key)

    def _call(self, kind: str, key: str) -> None:
        try:
            self._handlers[kind](key)
        except Exception as exc:  # a controller bug must not stop the cluster
            log.exception("%s %s failed", kind, key)
            self.errors.append(f"{kind} {key}: {exc!r}")

    # ---- background thread -----------------------------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        self._ff_origin = (self.clock.now(), time.monotonic())
        self._thread = threading.Thread(target=self._loop, name="mcosim-controllers", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        with self.store.changed:
            while not self._stop.is_set():
                self.run_pending()
                wait = self._next_wait()
                if wait is None or wait > 0:
                    self.store.changed.wait(timeout=0.5 if wait is None else min(wait, 0.5))

    def _next_wait(self) -> float | None:
        """Wall seconds to sleep before the next timer (0: run now); None when nothing is scheduled."""
        when = self.next_timer()
        if when is None:
            self._ff_origin = (self.clock.now(), time.monotonic())
            return None
        if isinstance(self.clock, ScaledClock):
            return max(0.0, self.clock.wall_seconds(when - self.clock.now()))
        if not self.fast_forward:
            return None
        sim0, wall0 = self._ff_origin
        allowed = sim0 + (time.monotonic() - wall0) * self.ff_max_speed
        if when <= allowed:
            self.clock.set(when)
            return 0.0
        return (when - allowed) / self.ff_max_speed
