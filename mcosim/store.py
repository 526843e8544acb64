"""The simulator's object store: what etcd plus the generic API server logic give a real cluster.

Objects are plain dicts shaped like the JSON the API serves. A stored object is never mutated:
readers get the stored dict itself and must copy before changing it (`modify` does that).
Every write gets the next resourceVersion and is appended to an event log that watches read
from; the log is bounded, and a watch from before its start gets 410 Expired.
"""

from __future__ import annotations

import bisect
import builtins
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from . import errors
from .clock import Clock, rfc3339
from .resources import NAMESPACES, ResourceType
from .selectors import field_selector, label_selector

Obj = dict[str, Any]
_T = TypeVar("_T")
Listener = Callable[["WatchEvent"], None]


@dataclass(frozen=True)
class WatchEvent:
    rv: int
    type: str  # ADDED | MODIFIED | DELETED
    rt: ResourceType
    obj: Obj


def clone(value: _T) -> _T:
    """A deep copy of a JSON-shaped value (dicts, lists, scalars), several times faster than deepcopy."""
    if isinstance(value, dict):
        return cast(_T, {k: clone(v) for k, v in value.items()})
    if isinstance(value, list):
        return cast(_T, [clone(v) for v in value])
    return value


def _spec_part(rt: ResourceType, obj: Obj) -> Obj:
    """What counts for `metadata.generation`: everything but metadata (and status, if a subresource)."""
    skip = {"metadata", "status"} if rt.status_subresource else {"metadata"}
    return {k: v for k, v in obj.items() if k not in skip}


class Store:
    def __init__(self, clock: Clock, history: int = 200_000) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._objects: dict[ResourceType, dict[tuple[str, str], Obj]] = {}
        self._rv = 1
        self._events: list[WatchEvent] = []
        self._history = history
        self._compacted_rv = 0  # events at or below this rv are no longer available
        self._listeners: list[Listener] = []

    # ---- reads -------------------------------------------------------------------------------
    @property
    def resource_version(self) -> str:
        return str(self._rv)

    def try_get(self, rt: ResourceType, name: str, namespace: str = "") -> Obj | None:
        return self._objects.get(rt, {}).get((namespace if rt.namespaced else "", name))

    def get(self, rt: ResourceType, name: str, namespace: str = "") -> Obj:
        obj = self.try_get(rt, name, namespace)
        if obj is None:
            raise errors.not_found(rt.plural, rt.group, name)
        return obj

    def list(
        self,
        rt: ResourceType,
        namespace: str | None = None,
        labels: str | None = None,
        fields: str | None = None,
    ) -> tuple[list[Obj], str]:
        """Matching objects sorted by namespace/name, and the resourceVersion of the read."""
        by_label, by_field = label_selector(labels), field_selector(fields)
        with self.lock:
            rows = self._objects.get(rt, {})
            keys = sorted(k for k in rows if namespace is None or k[0] == namespace)
            items = [rows[k] for k in keys]
            rv = self.resource_version
        if labels or fields:
            items = [o for o in items if by_label(o) and by_field(o)]
        return items, rv

    def items(self, rt: ResourceType) -> Iterable[Obj]:
        """All objects of a type, unsorted (cheap; for controllers)."""
        return list(self._objects.get(rt, {}).values())

    # ---- writes ------------------------------------------------------------------------------
    def create(self, rt: ResourceType, obj: Obj, dry_run: bool = False) -> Obj:
        new = clone(obj)
        meta = new.setdefault("metadata", {})
        name = meta.get("name") or ""
        if not name and meta.get("generateName"):
            name = meta["generateName"] + uuid.uuid4().hex[:5]
            meta["name"] = name
        if not name:
            required = "Required value: name or generateName is required"
            raise errors.invalid(rt.kind, rt.group, "", [("metadata.name", required)])
        namespace = meta.get("namespace") or ("default" if rt.namespaced else "")
        with self.lock:
            if rt.namespaced:
                meta["namespace"] = namespace
                if self.try_get(NAMESPACES, namespace) is None:
                    raise errors.not_found("namespaces", "", namespace)
            else:
                meta.pop("namespace", None)
            if self.try_get(rt, name, namespace) is not None:
                raise errors.already_exists(rt.plural, rt.group, name)
            new["apiVersion"], new["kind"] = rt.api_version, rt.kind
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = rfc3339(self.clock.now())
            meta["generation"] = 1
            meta.pop("resourceVersion", None)
            if dry_run:
                meta["resourceVersion"] = self.resource_version
                return new
            return self._commit("ADDED", rt, (namespace, name), new)

    def update(
        self, rt: ResourceType, obj: Obj, subresource: str | None = None, dry_run: bool = False
    ) -> Obj:
        """Replace an object (PUT). A resourceVersion in obj must match the stored one (else 409)."""
        meta = obj.get("metadata") or {}
        name, namespace = meta.get("name", ""), (meta.get("namespace") or "default") if rt.namespaced else ""
        with self.lock:
            old = self.get(rt, name, namespace)
            sent_rv = meta.get("resourceVersion")
            if sent_rv and sent_rv != old["metadata"]["resourceVersion"]:
                raise errors.conflict(rt.plural, rt.group, name)
            new = self._merge_for_update(rt, old, obj, subresource)
            if new == old:
                return old
            if _spec_part(rt, new) != _spec_part(rt, old):
                new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
            if dry_run:
                return new
            return self._commit("MODIFIED", rt, (namespace, name), new)

    def _merge_for_update(self, rt: ResourceType, old: Obj, obj: Obj, subresource: str | None) -> Obj:
        if subresource == "status":
            new = clone(old)
            if "status" in obj:
                new["status"] = clone(obj["status"])
            else:
                new.pop("status", None)
            return new
        new = clone(obj)
        new["apiVersion"], new["kind"] = rt.api_version, rt.kind
        meta = new.setdefault("metadata", {})
        for immutable in ("uid", "creationTimestamp", "generation", "resourceVersion", "namespace"):
            if immutable in old["metadata"]:
                meta[immutable] = old["metadata"][immutable]
        if rt.status_subresource:
            if "status" in old:
                new["status"] = clone(old["status"])
            else:
                new.pop("status", None)
        return new

    def modify(
        self,
        rt: ResourceType,
        name: str,
        change: Callable[[Obj], None],
        namespace: str = "",
        subresource: str | None = None,
    ) -> Obj:
        """Read-copy-change-write under the lock (no conflict possible). For controllers."""
        with self.lock:
            obj = clone(self.get(rt, name, namespace))
            change(obj)
            obj["metadata"].pop("resourceVersion", None)
            if rt.status_subresource and subresource is None:
                # a controller changing both halves writes them together
                return self._write_both(rt, obj)
            return self.update(rt, obj, subresource=subresource)

    def _write_both(self, rt: ResourceType, obj: Obj) -> Obj:
        meta = obj["metadata"]
        namespace = meta.get("namespace", "") if rt.namespaced else ""
        old = self.get(rt, meta["name"], namespace)
        if obj == old:
            return old
        if _spec_part(rt, obj) != _spec_part(rt, old):
            meta["generation"] = old["metadata"].get("generation", 1) + 1
        return self._commit("MODIFIED", rt, (namespace, meta["name"]), obj)

    def delete(self, rt: ResourceType, name: str, namespace: str = "", dry_run: bool = False) -> Obj:
        namespace = (namespace or "default") if rt.namespaced else ""
        with self.lock:
            old = self.get(rt, name, namespace)
            if dry_run:
                return old
            del self._objects[rt][(namespace, name)]
            gone = clone(old)
            self._rv += 1
            gone["metadata"]["resourceVersion"] = str(self._rv)
            self._record(WatchEvent(self._rv, "DELETED", rt, gone))
            return gone

    def _commit(self, kind: str, rt: ResourceType, key: tuple[str, str], obj: Obj) -> Obj:
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)
        self._objects.setdefault(rt, {})[key] = obj
        self._record(WatchEvent(self._rv, kind, rt, obj))
        return obj

    def _record(self, event: WatchEvent) -> None:
        self._events.append(event)
        if len(self._events) > 2 * self._history:
            dropped = len(self._events) - self._history
            self._compacted_rv = self._events[dropped - 1].rv
            self._events = self._events[dropped:]
        for listener in self._listeners:
            listener(event)
        self.changed.notify_all()

    # ---- watch -------------------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        """Called under the store lock after every committed write; must be quick."""
        self._listeners.append(listener)

    def events_since(self, rv: int, rt: ResourceType | None = None) -> builtins.list[WatchEvent]:
        with self.lock:
            if rv < self._compacted_rv:
                raise errors.gone(str(rv), self.resource_version)
            start = bisect.bisect_right(self._events, rv, key=lambda e: e.rv)
            events = self._events[start:]
        return [e for e in events if rt is None or e.rt == rt]

    def wait_for_change(self, rv: int, timeout: float) -> bool:
        """Block until the store moves past rv (or timeout, in wall seconds)."""
        with self.changed:
            if self._rv > rv:
                return True
            return self.changed.wait_for(lambda: self._rv > rv, timeout=timeout)
