"""Watch streams: newline-delimited JSON events read from the store's event log."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import ApiError
from ..resources import RESOURCES, ResourceType
from ..selectors import Predicate, field_selector, label_selector
from ..store import Store, WatchEvent
from . import tables
from .encoding import EncodingCache, dumps

Obj = dict[str, Any]
Key = tuple[ResourceType, str, str]
POLL_SECONDS = 0.5  # how often an idle watch checks for stop, timeout and a closed client


def _key(rt: ResourceType, obj: Obj) -> Key:
    meta = obj.get("metadata") or {}
    return rt, meta.get("namespace", ""), meta.get("name", "")


class PreviousVersions:
    """For each event, the version of the object just before it (to see selector transitions)."""

    def __init__(self, store: Store, limit: int = 200_000) -> None:
        self._current: dict[Key, Obj] = {}
        self._previous: dict[int, Obj | None] = {}
        self._limit = limit
        with store.lock:
            for rt in RESOURCES:
                for obj in store.items(rt):
                    self._current[_key(rt, obj)] = obj
            store.add_listener(self._on_event)

    def _on_event(self, event: WatchEvent) -> None:
        key = _key(event.rt, event.obj)
        self._previous[event.rv] = self._current.get(key)
        if event.type == "DELETED":
            self._current.pop(key, None)
        else:
            self._current[key] = event.obj
        if len(self._previous) > self._limit:
            for rv in list(self._previous)[: self._limit // 2]:
                del self._previous[rv]

    def before(self, rv: int) -> Obj | None:
        return self._previous.get(rv)


@dataclass(frozen=True)
class WatchRequest:
    rt: ResourceType
    namespace: str | None
    labels: str | None
    fields: str | None
    resource_version: str | None
    timeout: float | None  # wall seconds
    table: bool
    include: str  # Table row object: Metadata | Object | None


class WatchStream:
    """Produces the lines of one watch response until timeout, server stop or client disconnect."""

    def __init__(self, store: Store, previous: PreviousVersions, cache: EncodingCache, request: WatchRequest,
                 stopped: threading.Event, client_gone: Callable[[], bool]) -> None:
        self.store, self.previous, self.cache, self.req = store, previous, cache, request
        self.stopped, self.client_gone = stopped, client_gone
        self._by_label: Predicate = label_selector(request.labels)
        self._by_field: Predicate = field_selector(request.fields)
        self._filtered = bool(request.labels or request.fields)

    def lines(self) -> Iterator[bytes]:
        deadline = time.monotonic() + self.req.timeout if self.req.timeout else None
        rv_text = self.req.resource_version
        if rv_text in (None, "", "0"):
            initial, last_rv = self._snapshot()
            yield from (self._line("ADDED", obj) for obj in initial)
        else:
            last_rv = int(rv_text) if rv_text.isdigit() else 0
        while not self.stopped.is_set():
            seen = int(self.store.resource_version)
            try:
                events = self.store.events_since(last_rv, self.req.rt)
            except ApiError as exc:
                yield dumps({"type": "ERROR", "object": exc.status()}) + b"\n"
                return
            for event in events:
                line = self._event_line(event)
                if line is not None:
                    yield line
            last_rv = max(seen, events[-1].rv if events else last_rv)
            remaining = deadline - time.monotonic() if deadline else POLL_SECONDS
            if remaining <= 0 or self.client_gone():
                return
            self.store.wait_for_change(last_rv, min(remaining, POLL_SECONDS))

    def _snapshot(self) -> tuple[list[Obj], int]:
        with self.store.lock:
            items, rv = self.store.list(self.req.rt, self.req.namespace, self.req.labels, self.req.fields)
        return items, int(rv)

    def _matches(self, obj: Obj | None) -> bool:
        if obj is None:
            return False
        namespace = (obj.get("metadata") or {}).get("namespace")
        if self.req.namespace is not None and namespace != self.req.namespace:
            return False
        return not self._filtered or (self._by_label(obj) and self._by_field(obj))

    def _event_line(self, event: WatchEvent) -> bytes | None:
        now_matches = self._matches(event.obj)
        if event.type != "MODIFIED" or not self._filtered:
            return self._line(event.type, event.obj) if now_matches else None
        was_matching = self._matches(self.previous.before(event.rv))
        if now_matches:
            return self._line("MODIFIED" if was_matching else "ADDED", event.obj)
        return self._line("DELETED", event.obj) if was_matching else None

    def _line(self, kind: str, obj: Obj) -> bytes:
        if self.req.table:
            rv = obj["metadata"].get("resourceVersion", "")
            wrapped = tables.table(self.req.rt.kind, [obj], self.store.clock.now(), rv, self.req.include)
            return dumps({"type": kind, "object": wrapped}) + b"\n"
        return b'{"type":"' + kind.encode() + b'","object":' + self.cache.encode(obj) + b"}\n"
