"""One level-triggered pass: fetch → validate → read the cluster → plan → decide → write.

Every pass decides from scratch from the repository, the cluster and the rollout memory kept in
the cluster, so a reconciler killed at any point resumes where it was. A pass returns its change set
(what it wrote, old → new, and why); logs, events, metrics and the CLI render from it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol, assert_never

from reconciler.errors import Blocked, ClusterError
from reconciler.intent import ParseCache, load_desired
from reconciler.model import (
    Action,
    ActionKind,
    Change,
    DesiredState,
    ImageInfo,
    LiveState,
    Plan,
    Snapshot,
    Verb,
)
from reconciler.plan import make_plan
from reconciler.records import record
from reconciler.report.changes import change_line, event_reason
from reconciler.rollout import (
    Decision,
    Memory,
    PausePool,
    RestoreMachineConfig,
    WindowStatus,
    Write,
    after_writes,
    decide,
)
from reconciler.rollout.memory import without_progress

from .windows import window_times

if TYPE_CHECKING:
    from reconciler.cluster.port import ClusterPort
    from reconciler.images import RegistryInspector

log = logging.getLogger("reconciler")
MACHINE_CONFIG = "MachineConfig"
POOL = "MachineConfigPool"
STOPPING = "the reconciler is stopping"
PROGRESS_SAVE_SECONDS = 60.0


class Source(Protocol):
    def snapshot(self, ref: str | None = None) -> Snapshot: ...


@record
class PassResult:
    desired: DesiredState
    live: LiveState
    plan: Plan
    decision: Decision
    changes: tuple[Change, ...] = field(default=())  # this pass's change set, in the order written
    saved_memory: dict[str, Any] = field(default_factory=dict)  # the memory document as the pass read it

    @property
    def written(self) -> tuple[Change, ...]:
        """The changes that wrote to the cluster (not the skipped or unchanged ones)."""
        return tuple(c for c in self.changes if c.wrote)


@dataclass
class Reconciler:
    source: Source
    cluster: ClusterPort
    ref: str | None = None
    clock: Callable[[], float] = time.time
    images: RegistryInspector | None = None  # registry metadata for preflight checks, when available
    allow_stale_base: bool = False  # let an image built FROM an older base than the cluster's roll out
    every_node: bool = False  # read every node (status shows them), not only those of unsettled pools
    # kept across passes: the last commit's analysis (an unchanged commit is not analysed again) and
    # the files by blob id (a new commit parses only the files it changed)
    parse_cache: ParseCache = field(default_factory=ParseCache)
    # the memory as the cluster held it after our last load or save, and as our last pass decided it
    # (its progress marks may be newer: they are saved with the next change, or once a minute)
    _memory_seen: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)
    _memory_latest: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)
    _progress_saved_at: float = field(default=float("-inf"), init=False, repr=False, compare=False)

    def read(self) -> tuple[DesiredState, LiveState, Plan]:
        """Repository and cluster, read fresh and side by side (the API server answers while git
        runs). Raises before anything is written; a repository problem before a cluster one."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1, thread_name_prefix="read-cluster") as reader:
            # the image checks need the architectures of every pool's nodes, not only of unsettled pools
            live_read = reader.submit(self.cluster.read_live, self.clock(), self.every_node or self.images is not None)
            snapshot = self.source.snapshot(self.ref)  # with --verify, an untrusted commit raises here
            desired = load_desired(snapshot, self.parse_cache)
            live = live_read.result()
        plan = make_plan(desired, live, self._inspect(desired, live), self.allow_stale_base)
        return desired, live, replace(plan, verification=snapshot.verification)

    def _inspect(self, desired: DesiredState, live: LiveState) -> dict[str, ImageInfo]:
        """Every bound image, and the cluster's base image (what a layered image must be built FROM)."""
        if self.images is None:
            return {}
        refs = [b.os_image_url for b in desired.bindings] + ([live.base_image] if live.base_image else [])
        return {ref: self.images.inspect(ref) for ref in dict.fromkeys(refs)}

    def decide(self) -> PassResult:
        """Read and decide, writing nothing: the decision is worded as what its writes would do."""
        desired, live, plan = self.read()
        saved = self.cluster.load_memory()
        ours = self._memory_latest if self._memory_latest is not None and saved == self._memory_seen else saved
        try:
            memory = Memory.from_dict(ours)
        except ValueError as exc:  # a document this version cannot trust: stop before any write
            raise ClusterError(f"{exc}; fix or delete the reconciler's state ConfigMap") from None
        now = self.clock()
        decision = decide(plan, desired, live, memory, self.windows(desired, now), now)
        return PassResult(desired, live, plan, decision, saved_memory=saved)

    def reconcile(self, stop: threading.Event | None = None) -> PassResult:
        """Decide and execute. Memory is saved before the writes it describes, so a pass killed
        anywhere resumes correctly; `stop` is checked between writes (the rest are skipped)."""
        result = self.decide()
        decision = result.decision
        memory = decision.memory.to_dict()
        self._memory_seen = result.saved_memory
        if self._must_save(memory, result.saved_memory):
            self.cluster.save_memory(memory)
            self._memory_seen, self._progress_saved_at = memory, self.clock()
        self._memory_latest = memory
        changes = self._write(decision.writes, result.plan.commit, stop)
        if result.plan.blocked:  # only containment (rollback restores, window pauses) went out
            raise Blocked("\n".join([str(p) for p in result.plan.blocking]
                                     + [f"(still done: {change_line(c)})" for c in changes if c.wrote]))
        started = {w.pool for w, c in zip(decision.writes, changes, strict=True) if isinstance(w, Action) and c.wrote}
        return replace(result, decision=after_writes(decision, started), changes=changes)

    def _must_save(self, memory: dict[str, Any], saved: dict[str, Any]) -> bool:
        """A change in substance is saved before the writes it describes; progress marks alone (they
        move with every node step) at most once per PROGRESS_SAVE_SECONDS. A restart that loses them
        only restarts the stall clock."""
        if without_progress(memory) != without_progress(saved):
            return True
        return memory != saved and self.clock() - self._progress_saved_at >= PROGRESS_SAVE_SECONDS

    def _write(self, writes: tuple[Write, ...], commit: str, stop: threading.Event | None) -> tuple[Change, ...]:
        """Execute in order; once `stop` is set, the rest are skipped (the next pass decides them again)."""
        changes: list[Change] = []
        for write in writes:
            if stop is not None and stop.is_set():
                changes.append(replace(_planned(write), verb=Verb.SKIPPED, reason=STOPPING))
                continue
            change = self._execute(write)
            self._record(change, commit)
            changes.append(change)
        return tuple(changes)

    def _record(self, change: Change, commit: str) -> None:
        """An Event on the object written, so `oc describe` shows what the reconciler did and why."""
        log.debug("%s", change_line(change))
        if change.wrote:
            message = f"{change_line(change)} (commit {commit[:12]})"
            self.cluster.record_event(change.kind, change.name, event_reason(change), message)

    @staticmethod
    def windows(desired: DesiredState, now: float) -> dict[str, WindowStatus]:
        statuses = {}
        for window in desired.policy.windows:
            times = window_times(window, now)
            statuses[window.name] = WindowStatus(window.name, times.open, times.opens_at, times.closes_at)
        return statuses

    def _execute(self, write: Write) -> Change:
        match write:
            case PausePool():
                self.cluster.set_pool_paused(write.pool, write.paused)
            case RestoreMachineConfig():
                self._restore(write)
            case Action():
                self._apply(write)
            case _:
                assert_never(write)
        return _planned(write)

    def _restore(self, write: RestoreMachineConfig) -> None:
        """Content None: our MC did not exist before, so delete it; no resourceVersion: it is absent now."""
        if write.content is None:
            self.cluster.delete_machine_config(write.mc_name, write.resource_version)
        elif not write.resource_version:
            self.cluster.create_machine_config(write.content)
        else:
            self.cluster.update_machine_config(write.content, write.resource_version)

    def _apply(self, action: Action) -> None:
        match action.kind:
            case ActionKind.CREATE:
                self.cluster.create_machine_config(action.content)
            case ActionKind.UPDATE:
                self.cluster.update_machine_config(action.content, action.live_resource_version)
            case ActionKind.DELETE:
                self.cluster.delete_machine_config(action.mc_name, action.live_resource_version)
            case ActionKind.UNCHANGED:
                pass
            case _:
                assert_never(action.kind)


def _planned(write: Write) -> Change:
    """The change a write makes, as its entry in the change set."""
    match write:
        case PausePool():
            return Change(POOL, write.pool, Verb.PAUSED if write.paused else Verb.UNPAUSED, reason=write.reason)
        case RestoreMachineConfig():
            new = write.content.os_image_url if write.content is not None else None
            return Change(MACHINE_CONFIG, write.mc_name, Verb.RESTORED, None, new, write.reason)
        case Action():
            return _action_change(write)
        case _:
            assert_never(write)


def _action_change(action: Action) -> Change:
    match action.kind:
        case ActionKind.CREATE:
            return Change(MACHINE_CONFIG, action.mc_name, Verb.CREATED, None, action.new_image)
        case ActionKind.UPDATE:
            return Change(MACHINE_CONFIG, action.mc_name, Verb.UPDATED, action.old_image, action.new_image)
        case ActionKind.DELETE:
            return Change(MACHINE_CONFIG, action.mc_name, Verb.DELETED, action.old_image, None,
                          "no binding wants it")
        case ActionKind.UNCHANGED:
            return Change(MACHINE_CONFIG, action.mc_name, Verb.UNCHANGED, action.old_image, action.new_image)
        case _:
            assert_never(action.kind)
