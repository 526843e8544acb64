"""An informer-like cache for long-running commands (`run`, `sync --wait`): list each kind once, then
watch it, resuming from the last resourceVersion and listing again after 410 Gone.

Passes read the cache instead of listing, so an idle pass costs no LIST at all. A change that
matters to the next decision (one of our MachineConfigs, a pool's configuration or Updated/Degraded
conditions, a node going Degraded) calls `wake` so the caller can decide at once.
MachineConfigNodes are watched at the newest version served, and not at all when none is served.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import ClusterError, NotFound
from reconciler.model import MANAGED_BY_LABEL, MANAGED_BY_VALUE, LiveState

from .api import KubeApi, core, decode, mco
from .parse import annotations_of, labels_of, meta
from .read import MCN_VERSIONS, drain_blockers, read_osimageurl
from .selective import NodeDeriver, assemble, parse_all, unsettled_pools

Obj = dict[str, Any]
log = logging.getLogger(__name__)
WATCH_SECONDS = 290  # the server ends each watch; it is resumed from the last resourceVersion
RETRY_SECONDS = 1.0
PAGE = 500  # objects per list request
_FAILED = ("Degraded", "Unreconcilable")


class Gone(Exception):
    """The resourceVersion is too old to resume from (410): list again."""


def slim_node(node: Obj) -> Obj:
    """What the decision reads of a node (labels, annotations, cordon, Ready): a cache of thousands of
    nodes keeps a fraction of their size (images, addresses, capacity and managedFields dropped)."""
    metadata = node.get("metadata") or {}
    status = node.get("status") or {}
    return {
        "metadata": {k: metadata[k] for k in ("name", "labels", "annotations", "resourceVersion") if k in metadata},
        "spec": {"unschedulable": bool((node.get("spec") or {}).get("unschedulable"))},
        "status": {"conditions": [c for c in status.get("conditions") or () if c.get("type") == "Ready"]},
    }


def _whole(obj: Obj) -> Obj:
    return obj


@dataclass
class Kind:
    """One watched collection: its objects by name and the resourceVersion to resume from."""

    name: str
    path: str  # of the collection
    matters: Callable[[Obj | None, Obj | None], bool]
    keep: Callable[[Obj], Obj] = _whole  # what of each object the cache holds
    objects: dict[str, Obj] = field(default_factory=dict)
    resource_version: str = ""
    lists: int = 0  # how many times it was listed (1 unless a watch expired)


def _mine(old: Obj | None, new: Obj | None) -> bool:
    return any(obj is not None and labels_of(obj).get(MANAGED_BY_LABEL) == MANAGED_BY_VALUE for obj in (old, new))


def _pool_signal(pool: Obj | None) -> Any:
    if pool is None:
        return None
    status = pool.get("status") or {}
    conditions = {str(c.get("type")): c.get("status") for c in status.get("conditions") or ()
                  if c.get("type") in ("Updated", "Updating", "Degraded", "NodeDegraded", "RenderDegraded")}
    return ((pool.get("spec") or {}).get("configuration"), (status.get("configuration") or {}).get("name"),
            (pool.get("spec") or {}).get("paused"), sorted(conditions.items()))


def _pool_matters(old: Obj | None, new: Obj | None) -> bool:
    return bool(_pool_signal(old) != _pool_signal(new))


def _node_failed(node: Obj | None) -> bool:
    return node is not None and annotations_of(node).get("machineconfiguration.openshift.io/state") in _FAILED


def _node_matters(old: Obj | None, new: Obj | None) -> bool:
    return _node_failed(old) != _node_failed(new)


def _older(event_obj: Obj, cached: Obj) -> bool:
    """True when both resourceVersions are numbers (etcd revisions) and the event's is behind."""
    new, have = str(meta(event_obj).get("resourceVersion", "")), str(meta(cached).get("resourceVersion", ""))
    return new.isdigit() and have.isdigit() and int(new) < int(have)


def _never(old: Obj | None, new: Obj | None) -> bool:
    return False


class WatchCache:
    def __init__(self, api: KubeApi, wake: Callable[[], None] | None = None) -> None:
        self._api = api
        self._wake = wake or (lambda: None)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._deriver = NodeDeriver()
        self.kinds = [
            Kind("machineconfigs", mco("machineconfigs"), _mine),
            Kind("machineconfigpools", mco("machineconfigpools"), _pool_matters),
            Kind("nodes", core("nodes"), _node_matters, slim_node),
        ]
        self._mcn_version = ""
        self._stale: set[str] = set()
        self._warned: set[str] = set()

    # ---- lifecycle ------------------------------------------------------------------------------
    def start(self) -> WatchCache:
        """List every kind (raises like a read when the cluster cannot be read), then watch each."""
        mcn = self._machine_config_nodes()
        if mcn is not None:
            self.kinds.append(mcn)
        for kind in self.kinds:
            self._relist(kind)
        for kind in self.kinds:
            thread = threading.Thread(target=self._follow, args=(kind,), name=f"watch-{kind.name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()

    def _machine_config_nodes(self) -> Kind | None:
        for version in MCN_VERSIONS:
            collection = mco("machineconfignodes", version=version)
            try:
                self._api.read("machineconfignodes", collection, {"limit": 1})
            except NotFound:
                continue
            self._mcn_version = version
            return Kind("machineconfignodes", collection, _never)
        return None

    # ---- reading ---------------------------------------------------------------------------------
    def items(self, kind: str) -> list[Obj]:
        with self._lock:
            found = next((k for k in self.kinds if k.name == kind), None)
            return list(found.objects.values()) if found is not None else []

    def wrote(self, kind: str) -> None:
        """We wrote an object of this kind: the next read lists it again rather than trust the watch to
        have delivered our own write already (read-your-writes; an idle pass writes nothing)."""
        with self._lock:
            self._stale.add(kind)

    def live_state(self, now: float, every_node: bool = False) -> LiveState:
        """The cached cluster as the model, with nodes of the pools that are not settled only."""
        with self._lock:
            stale, self._stale = self._stale, set()
        for kind in self.kinds:
            if kind.name in stale:
                self._relist(kind)
        pools = self.items("machineconfigpools")
        parsed = parse_all(self.items("machineconfigs"), pools)
        wanted = None if every_node else unsettled_pools(parsed.pools)
        nodes = self.items("nodes") if wanted != set() else []
        mcns = {str(meta(m).get("name", "")): m for m in self.items("machineconfignodes")} if nodes else {}
        base_image, release = read_osimageurl(self._api)
        return assemble(parsed, pools, nodes, mcns, base_image, release, now,
                        wanted=wanted, deriver=self._deriver, blockers=drain_blockers(self._api, nodes, mcns))

    def list_count(self) -> int:
        return sum(k.lists for k in self.kinds)

    # ---- list and watch ---------------------------------------------------------------------------
    def _relist(self, kind: Kind) -> None:
        """List in pages of PAGE (each page trimmed before the next is read: a bounded peak), watching
        later from the first page's resourceVersion (a replayed event is harmless, a missed one not)."""
        objects: dict[str, Obj] = {}
        resource_version, token = "", ""
        while True:
            reply = self._api.read(kind.name, kind.path, {"limit": PAGE, **({"continue": token} if token else {})})
            objects.update((str(meta(o).get("name", "")), kind.keep(o)) for o in reply.get("items") or ())
            page_meta = reply.get("metadata") or {}
            resource_version = resource_version or str(page_meta.get("resourceVersion") or "")
            token = str(page_meta.get("continue") or "")
            if not token:
                break
        with self._lock:
            old, kind.objects = kind.objects, objects
            kind.resource_version = resource_version
            kind.lists += 1
        if kind.lists > 1 and any(kind.matters(old.get(n), objects.get(n)) for n in set(old) | set(objects)):
            self._wake()


    def _follow(self, kind: Kind) -> None:
        while not self._stopping.is_set():
            try:
                self._watch(kind)
            except Gone:
                log.debug("%s: watch expired, listing again", kind.name)
                self._relist_quietly(kind)
            except ClusterError as exc:  # until it resumes, passes list the kind (never read stale)
                self.wrote(kind.name)
                (log.warning if kind.name not in self._warned else log.debug)(
                    "%s: watch failed, reading by list until it resumes: %s", kind.name, exc)
                self._warned.add(kind.name)
                self._stopping.wait(RETRY_SECONDS)

    def _relist_quietly(self, kind: Kind) -> None:
        try:
            self._relist(kind)
        except ClusterError as exc:
            log.debug("%s: list failed (%s); retrying", kind.name, exc)
            self._stopping.wait(RETRY_SECONDS)

    def _watch(self, kind: Kind) -> None:
        """One watch request until the server ends it; every event applied as it arrives."""
        query: dict[str, str | int | bool] = {"watch": True, "allowWatchBookmarks": True,
                                              "timeoutSeconds": WATCH_SECONDS}
        if kind.resource_version:
            query["resourceVersion"] = kind.resource_version
        lines = watch_lines(self._api, kind.name, kind.path, query)
        try:
            for line in lines:
                if self._stopping.is_set():
                    return
                self._apply(kind, decode(line))
        finally:
            lines.close()

    def _apply(self, kind: Kind, event: Obj) -> None:
        kind_of, obj = str(event.get("type", "")), event.get("object") or {}
        if kind_of == "ERROR":
            if obj.get("code") == 410:
                raise Gone()
            raise ClusterError(f"{kind.name}: watch error: {obj.get('message', '')}")
        rv = str(meta(obj).get("resourceVersion") or "")
        name = str(meta(obj).get("name", ""))
        with self._lock:
            if rv:
                kind.resource_version = rv
            if kind_of == "BOOKMARK":
                return
            old = kind.objects.get(name)
            if old is not None and _older(obj, old):  # a late event behind a relist
                return
            if kind_of == "DELETED":
                kind.objects.pop(name, None)
                new = None
            else:
                new = kind.objects[name] = kind.keep(obj)
        if kind.matters(old, new):
            self._wake()


def watch_lines(api: KubeApi, subject: str, collection: str, query: dict[str, str | int | bool]) \
        -> Generator[bytes, None, None]:
    """The newline-delimited events of one watch request, as they arrive; our errors (Gone for 410)."""
    lines = api.watch(subject, collection, query, WATCH_SECONDS + api.policy.read_timeout)
    try:
        yield from lines
    except ClusterError as error:
        if getattr(error, "status", None) == 410:
            raise Gone() from None
        raise
    finally:
        lines.close()
