"""JSON encoding with a per-object cache: stored objects never change, so their bytes can be reused."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any

Obj = dict[str, Any]


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


class EncodingCache:
    """Encodings of stored objects, keyed by identity.

    An entry keeps its object alive, so an id cannot be reused while it is cached.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        self._entries: dict[int, tuple[Obj, bytes]] = {}
        self._max = max_entries
        self._lock = threading.Lock()

    def encode(self, obj: Obj) -> bytes:
        entry = self._entries.get(id(obj))
        if entry is not None and entry[0] is obj:
            return entry[1]
        data = dumps(obj)
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[id(obj)] = (obj, data)
        return data

    def encode_list(self, kind: str, api_version: str, metadata: Obj, items: Iterable[Obj]) -> bytes:
        head = dumps({"kind": kind, "apiVersion": api_version, "metadata": metadata})
        return head[:-1] + b',"items":[' + b",".join(self.encode(o) for o in items) + b"]}"
