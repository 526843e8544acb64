"""One level-triggered pass: fetch → validate → read the cluster → plan → decide → write.

Every pass decides from scratch from the repository, the cluster and the rollout memory kept in
the cluster, so a reconciler killed at any point resumes where it was.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from reconciler.errors import Blocked, ClusterError
from reconciler.images import RegistryInspector
from reconciler.intent import load_desired
from reconciler.model import Action, ActionKind, DesiredState, ImageInfo, LiveState, Plan, Snapshot
from reconciler.plan import make_plan
from reconciler.rollout import Decision, Memory, PausePool, RestoreMachineConfig, WindowStatus, decide

from .windows import window_times

if TYPE_CHECKING:
    from reconciler.cluster import Cluster

log = logging.getLogger("reconciler")


class Source(Protocol):
    def snapshot(self, ref: str | None = None) -> Snapshot: ...


@dataclass(frozen=True)
class PassResult:
    desired: DesiredState
    live: LiveState
    plan: Plan
    decision: Decision
    applied: tuple[str, ...] = field(default=())  # what this pass wrote, in words
    saved_memory: dict[str, Any] = field(default_factory=dict)  # the memory document as the pass read it


@dataclass
class Reconciler:
    source: Source
    cluster: Cluster
    ref: str | None = None
    clock: Callable[[], float] = time.time
    images: RegistryInspector | None = None  # registry metadata for preflight checks, when available
    allow_stale_base: bool = False  # let an image built FROM an older base than the cluster's roll out

    def read(self) -> tuple[DesiredState, LiveState, Plan]:
        """Repository and cluster, read fresh. Raises before anything is written."""
        snapshot = self.source.snapshot(self.ref)  # with --verify, an untrusted commit raises here
        desired = load_desired(snapshot)
        live = self.cluster.read_live(self.clock())
        plan = make_plan(desired, live, self._inspect(desired, live), self.allow_stale_base)
        return desired, live, replace(plan, verification=snapshot.verification)

    def _inspect(self, desired: DesiredState, live: LiveState) -> dict[str, ImageInfo]:
        """Every bound image, and the cluster's base image (what a layered image must be built FROM)."""
        if self.images is None:
            return {}
        refs = [b.os_image_url for b in desired.bindings] + ([live.base_image] if live.base_image else [])
        return {ref: self.images.inspect(ref) for ref in dict.fromkeys(refs)}

    def decide(self) -> PassResult:
        desired, live, plan = self.read()
        saved = self.cluster.load_memory()
        try:
            memory = Memory.from_dict(saved)
        except ValueError as exc:  # a document this version cannot trust: stop before any write
            raise ClusterError(f"{exc}; fix or delete the reconciler's state ConfigMap") from None
        now = self.clock()
        decision = decide(plan, desired, live, memory, self.windows(desired, now), now)
        return PassResult(desired, live, plan, decision, saved_memory=saved)

    def reconcile(self, stop: threading.Event | None = None) -> PassResult:
        """Decide and execute. Memory is saved before the writes it describes, so a pass killed
        anywhere resumes correctly; `stop` is checked between writes."""
        result = self.decide()
        decision = result.decision
        memory = decision.memory.to_dict()
        if memory != result.saved_memory:
            self.cluster.save_memory(memory)
        applied: list[str] = []
        for write in decision.writes:
            if stop is not None and stop.is_set():
                break
            applied.append(self._execute(write))
            self._record(write, applied[-1], result.plan.commit)
            log.debug("%s", applied[-1])
        if result.plan.blocked:  # only containment (rollback restores, window pauses) went out
            raise Blocked("\n".join([str(p) for p in result.plan.blocking]
                                     + [f"(still done: {line})" for line in applied]))
        return replace(result, applied=tuple(applied))

    @staticmethod
    def windows(desired: DesiredState, now: float) -> dict[str, WindowStatus]:
        statuses = {}
        for window in desired.policy.windows:
            times = window_times(window, now)
            statuses[window.name] = WindowStatus(window.name, times.open, times.opens_at, times.closes_at)
        return statuses

    def _execute(self, write: object) -> str:
        if isinstance(write, PausePool):
            self.cluster.set_pool_paused(write.pool, write.paused)
            return f"{'paused' if write.paused else 'unpaused'} MachineConfigPool/{write.pool}"
        if isinstance(write, RestoreMachineConfig):
            return self._restore(write)
        assert isinstance(write, Action), write
        return self._apply(write)

    def _record(self, write: object, what: str, commit: str) -> None:
        """An Event on the object written, so `oc describe` shows what the reconciler did and why."""
        if isinstance(write, PausePool):
            kind, name, reason = "MachineConfigPool", write.pool, "LayeringPoolPaused" if write.paused else \
                "LayeringPoolUnpaused"
        elif isinstance(write, RestoreMachineConfig):
            kind, name, reason = "MachineConfig", write.mc_name, "LayeringRolledBack"
        else:
            assert isinstance(write, Action)
            kind, name = "MachineConfig", write.mc_name
            reason = "LayeringRemoved" if write.kind is ActionKind.DELETE else "LayeringApplied"
        self.cluster.record_event(kind, name, reason, f"{what} (commit {commit[:12]})")

    def _apply(self, action: Action) -> str:
        subject = f"MachineConfig/{action.mc_name}"
        if action.kind is ActionKind.CREATE and action.desired:
            self.cluster.create_machine_config(action.desired)
            return f"created {subject} ({action.new_image})"
        if action.kind is ActionKind.UPDATE and action.desired:
            self.cluster.update_machine_config(action.desired, action.live_resource_version)
            return f"updated {subject} ({action.old_image} → {action.new_image})"
        if action.kind is ActionKind.DELETE:
            self.cluster.delete_machine_config(action.mc_name, action.live_resource_version)
            return f"deleted {subject} (pool returns to the base image)"
        return f"unchanged {subject}"

    def _restore(self, write: RestoreMachineConfig) -> str:
        subject = f"MachineConfig/{write.mc_name}"
        if write.content is None:
            self.cluster.delete_machine_config(write.mc_name, write.resource_version)
            return f"rolled back: deleted {subject} ({write.reason})"
        if not write.resource_version:
            self.cluster.create_machine_config(write.content)
        else:
            self.cluster.update_machine_config(write.content, write.resource_version)
        return f"rolled back: restored {subject} to {write.content.os_image_url} ({write.reason})"
