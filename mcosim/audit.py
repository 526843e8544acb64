"""A write log of the simulated cluster: who wrote what, when, and what the object looked like before.

`WriteLog.attach(store)` listens to every committed write. A write's `writer` is where it came from:
`api` (an HTTP request: a client such as the reconciler or kubectl), `mco` (the simulated
controllers) or the name of any other thread (a test or script writing to the store directly).
Chaos runs and tests use it to prove what a client never did (write an object it does not own,
delete a rendered MachineConfig).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from .resources import BY_KIND
from .store import Store, WatchEvent, clone

Obj = dict[str, Any]
CONTROLLER_THREAD = "mcosim-controllers"
API_THREAD_MARK = "process_request_thread"  # ThreadingHTTPServer names its request threads so


@dataclass(frozen=True)
class Write:
    at: float  # wall time (time.time()) of the commit
    sim_time: float  # the simulator's clock at the commit
    rv: int
    type: str  # ADDED | MODIFIED | DELETED
    kind: str
    namespace: str
    name: str
    writer: str  # api | mco | <thread name>
    before: Obj | None  # the object before the write (None for ADDED)
    after: Obj | None  # the object after the write (None for DELETED)

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.namespace + '/' if self.namespace else ''}{self.name}"


def writer_of(thread: threading.Thread) -> str:
    if thread.name == CONTROLLER_THREAD:
        return "mco"
    if API_THREAD_MARK in thread.name:
        return "api"
    return thread.name


class WriteLog:
    """Every write committed to `store` after attach(), in commit order."""

    def __init__(self, store: Store, keep: frozenset[str] | None = None) -> None:
        self._store = store
        self._keep = keep  # kinds whose objects (before / after) are kept; None = every kind
        self._lock = threading.Lock()
        self._last: dict[tuple[str, str, str], Obj] = {}
        self.writes: list[Write] = []

    @classmethod
    def attach(cls, store: Store, keep: frozenset[str] | None = None) -> WriteLog:
        """Start logging; `keep` limits which kinds' objects are kept (every write is logged)."""
        log = cls(store, keep)
        with store.lock:
            for rt in BY_KIND.values():
                if keep is not None and rt.kind not in keep:
                    continue
                for obj in store.items(rt):
                    log._last[log._key(rt.kind, obj)] = clone(obj)
            store.add_listener(log._on_write)
        return log

    @staticmethod
    def _key(kind: str, obj: Obj) -> tuple[str, str, str]:
        meta = obj.get("metadata") or {}
        return kind, str(meta.get("namespace") or ""), str(meta.get("name") or "")

    def _on_write(self, event: WatchEvent) -> None:
        """Called under the store lock, in the writer's thread."""
        key = self._key(event.rt.kind, event.obj)
        kept = self._keep is None or key[0] in self._keep
        after = None if event.type == "DELETED" or not kept else clone(event.obj)
        with self._lock:
            before = self._last.pop(key, None) if event.type == "DELETED" else self._last.get(key)
            if after is not None:
                self._last[key] = after
            self.writes.append(Write(
                at=time.time(), sim_time=self._store.clock.now(), rv=event.rv, type=event.type, kind=key[0],
                namespace=key[1], name=key[2], writer=writer_of(threading.current_thread()),
                before=before, after=after,
            ))  # fmt: skip

    def since(self, index: int) -> list[Write]:
        with self._lock:
            return self.writes[index:]

    def __len__(self) -> int:
        with self._lock:
            return len(self.writes)
