"""One machine-config-daemon per node: Working → cordon/drain → write → rebase → reboot → Done.

Each node's progress is kept in memory (what the real daemon keeps on disk); everything it reports
goes to the Node's annotations, its MachineConfigNode and Events. Failures give `state=Degraded`
with the reason in the MCO's format, and the daemon keeps retrying. Durations are realistic at
speed 1 and deterministic per (seed, node, target).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from ..registry import PullError, Registry
from ..releases import ReleaseShape
from ..resources import MACHINE_CONFIGS, NODES
from ..store import Obj, Store
from . import constants as c
from . import nodeops
from .drain import DRAIN_FAILING_THRESHOLD, DRAIN_TIMEOUT, Drainer, drain_timeout_message, retry_interval
from .mcn import Condition, McnWriter
from .nodestate import annotation
from .rpmostree import conflict, version_of

RecordEvent = Callable[[Obj, str, str, str], None]
Schedule = Callable[[float, str], None]  # (sim time, node): call sync(node) then


class Phase(StrEnum):
    """Where a node's daemon is; each phase has one handler (Daemons._handlers)."""

    IDLE = "idle"
    PREPARE = "prepare"
    DRAIN = "drain"
    DRAINED = "drained"
    WRITE = "write"
    PULL = "pull"
    REBASE = "rebase"
    REBOOT = "reboot"
    BOOT = "boot"


DURATIONS = {  # seconds at speed 1: (min, max)
    Phase.PREPARE: (1, 3),
    Phase.DRAIN: (20, 40),
    Phase.WRITE: (3, 6),
    Phase.REBASE: (60, 90),
    Phase.REBOOT: (100, 140),
    Phase.BOOT: (3, 6),
}
RETRY_AFTER_FAILURE = 120.0
IDLE = Phase.IDLE
_RESTARTABLE = {Phase.PREPARE, Phase.DRAIN}
Handler = Callable[[str, Obj, "Progress"], None]


@dataclass
class Progress:
    booted: str
    previous: str | None = None
    staged: str | None = None
    target: str = ""
    phase: Phase = Phase.IDLE
    due: float = 0.0
    attempts: int = 0
    drain_started: float = 0.0


@dataclass
class Daemons:
    store: Store
    registry: Registry
    drainer: Drainer
    mcn: McnWriter
    record_event: RecordEvent
    schedule: Schedule
    seed: int = 0
    shape: ReleaseShape = field(default_factory=lambda: ReleaseShape("4.16.3"))
    progress: dict[str, Progress] = field(default_factory=dict)
    failing_reboots: set[str] = field(default_factory=set)
    _handlers: dict[Phase, Handler] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._handlers = {
            Phase.IDLE: self._idle,
            Phase.PREPARE: self._prepare,
            Phase.DRAIN: self._drain,
            Phase.DRAINED: self._drained,
            Phase.WRITE: self._write,
            Phase.PULL: self._pull,
            Phase.REBASE: self._rebase,
            Phase.REBOOT: self._reboot,
            Phase.BOOT: self._boot,
        }

    # ---- helpers ---------------------------------------------------------------------------------
    def _now(self) -> float:
        return self.store.clock.now()

    def _duration(self, name: str, phase: Phase, target: str) -> float:
        low, high = DURATIONS[phase]
        digest = hashlib.md5(f"{self.seed}:{name}:{target}:{phase}".encode()).hexdigest()
        return float(random.Random(int(digest, 16)).randint(low, high))

    def _wait(self, name: str, p: Progress, phase: Phase, seconds: float) -> None:
        p.phase, p.due = phase, self._now() + seconds
        self.schedule(p.due, name)

    def _rendered(self, name: str) -> Obj | None:
        return self.store.try_get(MACHINE_CONFIGS, name) if name else None

    def _event(self, name: str, kind: str, reason: str, message: str) -> None:
        node = self.store.try_get(NODES, name)
        if node is not None:
            self.record_event(node, kind, reason, message)

    def _degrade(self, name: str, p: Progress, reason: str, step: str, retry: float) -> None:
        already = annotation(self.store.get(NODES, name), c.REASON) == reason[:2000]
        nodeops.degrade(self.store, name, reason)
        if not already:
            self.mcn.update(
                name, [Condition(step, "Unknown", f"Error: {reason}"), Condition("NodeDegraded", "True", reason)]
            )
            self._event(name, "Warning", "NodeDegraded", reason)
        self._wait(name, p, p.phase, retry)

    def _working(self, name: str) -> None:
        nodeops.set_annotations(self.store, name, {c.STATE: c.STATE_WORKING, c.REASON: ""})

    # ---- entry point -------------------------------------------------------------------------------
    def sync(self, name: str) -> None:
        node = self.store.try_get(NODES, name)
        if node is None:
            self.progress.pop(name)
            return
        p = self.progress.get(name)
        if p is None:
            return  # not a managed node
        desired = annotation(node, c.DESIRED_CONFIG)
        failing = annotation(node, c.STATE) in (c.STATE_DEGRADED, c.STATE_UNRECONCILABLE)
        if p.phase != IDLE and desired and desired != p.target and (p.phase in _RESTARTABLE or failing):
            self._begin(name, p, desired)
            return
        if p.phase != IDLE and self._now() < p.due:
            return
        self._handlers[p.phase](name, node, p)

    # ---- phases ------------------------------------------------------------------------------------
    def _idle(self, name: str, node: Obj, p: Progress) -> None:
        desired, current = annotation(node, c.DESIRED_CONFIG), annotation(node, c.CURRENT_CONFIG)
        if not desired:
            return
        if desired != current:
            self._begin(name, p, desired)
            return
        if self._rendered(current) is None:
            self._degrade(
                name,
                p,
                f'machineconfig.machineconfiguration.openshift.io "{current}" not found',
                "Updated",
                RETRY_AFTER_FAILURE,
            )
            p.phase = IDLE
            return
        cordoned = annotation(node, c.DESIRED_DRAIN).startswith("drain-")
        if annotation(node, c.STATE) != c.STATE_DONE or cordoned:
            self._complete(name, p, current)

    def _begin(self, name: str, p: Progress, target: str) -> None:
        p.target, p.attempts = target, 0
        current = annotation(self.store.get(NODES, name), c.CURRENT_CONFIG)
        mc = self._rendered(target)
        if target == current and mc is not None and mc["spec"].get("osImageURL") == p.booted:
            self._complete(name, p, target)  # retargeted back to what it runs
            return
        self._working(name)
        self.mcn.update(
            name,
            [
                Condition("UpdatePrepared", "Unknown", "Update is preparing"),
                Condition("Updated", "False", f"Node {name} needs an update to {target}"),
            ],
            desired=target,
            reset=True,
        )
        self._wait(name, p, Phase.PREPARE, self._duration(name, Phase.PREPARE, target))

    def _prepare(self, name: str, node: Obj, p: Progress) -> None:
        if self._rendered(p.target) is None:
            self._degrade(
                name,
                p,
                f'machineconfig.machineconfiguration.openshift.io "{p.target}" not found',
                "UpdatePrepared",
                RETRY_AFTER_FAILURE,
            )
            return
        refusal = self._unreconcilable(name, p.target)
        if refusal is not None:
            self._refuse(name, p, refusal)
            return
        self._working(name)
        nodeops.set_annotations(self.store, name, {c.DESIRED_DRAIN: f"drain-{p.target}"})
        nodeops.set_unschedulable(self.store, name, True)
        self.mcn.update(
            name,
            [
                Condition("UpdatePrepared", "True", "Update is prepared"),
                Condition(
                    "UpdateCompatible", "True", "Update Compatible. Post Cfg Actions [reboot]: Drain Required: true"
                ),
                Condition("UpdateExecuted", "Unknown", "Update is executing", "Cordoned"),
                Condition("Cordoned", "True", "Cordoned node. The node is reporting Unschedulable = true"),
                Condition(
                    "Drained",
                    "Unknown",
                    f"Draining node. The drain will not be complete until desired drainer "
                    f"drain-{p.target} matches current drainer",
                ),
            ],
        )
        self._event(name, "Normal", "Cordon", "Cordoned node to apply update")
        p.drain_started = self._now()
        p.phase = Phase.DRAIN
        self._drain(name, node, p)

    def _unreconcilable(self, name: str, target: str) -> str | None:
        """Before 4.16 only the daemon refuses a FIPS change (later releases refuse it at render time)."""
        if self.shape.render_checks_reconcilable:
            return None
        current = annotation(self.store.get(NODES, name), c.CURRENT_CONFIG)
        old, new = self._rendered(current), self._rendered(target)
        if old is None or new is None or bool(old["spec"].get("fips")) == bool(new["spec"].get("fips")):
            return None
        return (
            f"can't reconcile config {current} with {target}: detected change to FIPS flag; "
            "refusing to modify FIPS on a running cluster"
        )

    def _refuse(self, name: str, p: Progress, reason: str) -> None:
        already = annotation(self.store.get(NODES, name), c.REASON) == reason
        nodeops.set_annotations(self.store, name, {c.STATE: c.STATE_UNRECONCILABLE, c.REASON: reason[:2000]})
        if not already:
            self.mcn.update(
                name,
                [
                    Condition("UpdatePrepared", "Unknown", f"Error: {reason}"),
                    Condition("UpdateCompatible", "Unknown", f"Error: {reason}"),
                    Condition("NodeDegraded", "True", reason),
                ],
            )
            self._event(name, "Warning", "FailedToReconcile", reason)
        self._wait(name, p, Phase.PREPARE, RETRY_AFTER_FAILURE)

    def _drain(self, name: str, node: Obj, p: Progress) -> None:
        blocked = self.drainer.drain(name)
        elapsed = self._now() - p.drain_started
        if blocked:
            if elapsed >= DRAIN_TIMEOUT:
                self._degrade(name, p, drain_timeout_message(name), "Drained", retry_interval(elapsed))
                return
            self._report_drain_failure(name, p, "\n".join(blocked), elapsed)
            self._wait(name, p, Phase.DRAIN, retry_interval(elapsed))
            return
        self._wait(name, p, Phase.DRAINED, self._duration(name, Phase.DRAIN, p.target))

    def _report_drain_failure(self, name: str, p: Progress, error: str, elapsed: float) -> None:
        """As the MCO's drain controller does: the MCN carries the error; past 10 min, a Warning Event too."""
        self.mcn.update(
            name,
            [
                Condition("UpdateExecuted", "Unknown", "Node Drain has not succeeded", "Drained"),
                Condition(
                    "Drained",
                    "Unknown",
                    f"Error: Node Drain has not succeeded. Error is: {error} The drain "
                    f"will not be complete until desired drainer drain-{p.target} matches current drainer",
                ),
            ],
        )
        if elapsed > DRAIN_FAILING_THRESHOLD and self.shape.drain_events:
            self._event(
                name,
                "Warning",
                "DrainThresholdExceeded",
                "Drain failed. Drain has been failing for more than 10 minutes. Waiting 5 minutes then "
                f"retrying. Error message from drain: {error}",
            )

    def _drained(self, name: str, node: Obj, p: Progress) -> None:
        self._working(name)
        nodeops.set_annotations(self.store, name, {c.LAST_APPLIED_DRAIN: f"drain-{p.target}"})
        self.mcn.update(
            name,
            [
                Condition(
                    "Drained",
                    "True",
                    f"Drained node. The drain is complete as the desired drainer matches current "
                    f"drainer: drain-{p.target}",
                ),
                Condition("NodeDegraded", "False", ""),
                Condition("AppliedFilesAndOS", "Unknown", "Applying files and new OS config to node"),
            ],
        )
        self._event(name, "Normal", "Drain", "Drained node")
        self._wait(name, p, Phase.WRITE, self._duration(name, Phase.WRITE, p.target))

    def _write(self, name: str, node: Obj, p: Progress) -> None:
        mc = self._rendered(p.target)
        if mc is None:
            self._degrade(
                name,
                p,
                f'machineconfig.machineconfiguration.openshift.io "{p.target}" not found',
                "AppliedFilesAndOS",
                RETRY_AFTER_FAILURE,
            )
            return
        invalid = self._invalid_extensions(mc)
        if invalid:
            self._degrade(
                name, p, f"invalid extensions found: [{' '.join(invalid)}]", "AppliedFilesAndOS", RETRY_AFTER_FAILURE
            )
            return
        image = mc["spec"].get("osImageURL", "")
        if image == p.booted:
            p.staged = image
            self._reboot_start(name, p, os_changed=False)
            return
        p.attempts = 0
        p.phase = Phase.PULL
        self._pull(name, node, p)

    def _invalid_extensions(self, mc: Obj) -> list[str]:
        """Before 4.16 the render controller lets unknown extensions through and the daemon refuses them."""
        if self.shape.render_validates_extensions:
            return []
        return [e for e in mc["spec"].get("extensions") or [] if e not in self.shape.extensions]

    def _pull(self, name: str, node: Obj, p: Progress) -> None:
        mc = self._rendered(p.target)
        if mc is None:
            p.phase = Phase.WRITE
            self._write(name, node, p)
            return
        spec = mc["spec"]
        image = spec.get("osImageURL", "")
        try:
            pulled = self.registry.pull(image)
        except PullError as err:
            p.attempts += 1
            if p.attempts < self.shape.rebase_attempts:
                self._wait(name, p, Phase.PULL, 10.0 * p.attempts)
                return
            p.attempts = 0
            reason = self.shape.os_update_failure(image, str(err))
            self._degrade(name, p, reason, "AppliedFilesAndOS", RETRY_AFTER_FAILURE)
            return
        clash = conflict(pulled, spec.get("kernelType") or "default", list(spec.get("extensions") or []))
        if clash is not None:
            self._degrade(name, p, clash, "AppliedFilesAndOS", RETRY_AFTER_FAILURE)
            return
        self._working(name)
        self._event(name, "Normal", "OSUpdateStarted", f"Changing OS image to {image}")
        p.staged = image
        self._wait(name, p, Phase.REBASE, self._duration(name, Phase.REBASE, p.target))

    def _rebase(self, name: str, node: Obj, p: Progress) -> None:
        self._event(name, "Normal", "OSUpdateStaged", "Changes to OS staged")
        self._reboot_start(name, p, os_changed=True)

    def _reboot_start(self, name: str, p: Progress, os_changed: bool) -> None:
        did = "did" if os_changed else "did not"
        self.mcn.update(
            name,
            [
                Condition(
                    "AppliedFilesAndOS",
                    "True",
                    f"Applied files and new OS config to node. OS {did} need an update. "
                    "SSH Keys did not need an update",
                ),
                Condition(
                    "UpdateExecuted",
                    "True",
                    "Updated the Files and OS on disk as a part of the in progress upgrade",
                    "AppliedFilesAndOS",
                ),
                Condition("UpdatePostActionComplete", "Unknown", "Update requires a reboot"),
                Condition(
                    "RebootedNode",
                    "Unknown",
                    "Upgrade requires a reboot. Currently doing this as the post update action.",
                ),
            ],
        )
        self._event(name, "Normal", "Reboot", f"Node will reboot into config {p.target}")
        nodeops.set_ready(self.store, name, False)
        self._wait(name, p, Phase.REBOOT, self._duration(name, Phase.REBOOT, p.target))

    def _reboot(self, name: str, node: Obj, p: Progress) -> None:
        if name in self.failing_reboots:
            return  # the node never comes back
        if p.staged and p.staged != p.booted:
            p.previous, p.booted = p.booted, p.staged
        p.staged = None
        release = next(
            (r for r in self.registry.releases.values() if r.rhcos_version == version_of(self.registry, p.booted)),
            None,
        )
        nodeops.set_ready(
            self.store,
            name,
            True,
            os_image=f"Red Hat Enterprise Linux CoreOS {version_of(self.registry, p.booted)} (Plow)",
            kernel=release.kernel if release else None,
        )
        self.mcn.update(
            name,
            [
                Condition("RebootedNode", "True", "Node has rebooted"),
                Condition("UpdatePostActionComplete", "True", "Completed post update action"),
            ],
        )
        self._wait(name, p, Phase.BOOT, self._duration(name, Phase.BOOT, p.target))

    def _boot(self, name: str, node: Obj, p: Progress) -> None:
        mc = self._rendered(p.target)
        expected = (mc or {}).get("spec", {}).get("osImageURL", p.booted)
        if expected != p.booted:
            reason = (
                f"unexpected on-disk state validating against {p.target}: expected target osImageURL "
                f'"{expected}", have "{p.booted}"'
            )
            self._degrade(name, p, reason, "UpdateComplete", RETRY_AFTER_FAILURE)
            p.phase = Phase.WRITE
            return
        self._complete(name, p, p.target)

    def _complete(self, name: str, p: Progress, target: str) -> None:
        nodeops.set_unschedulable(self.store, name, False)
        nodeops.set_annotations(
            self.store,
            name,
            {
                c.CURRENT_CONFIG: target,
                c.STATE: c.STATE_DONE,
                c.REASON: "",
                c.DESIRED_DRAIN: f"uncordon-{target}",
                c.LAST_APPLIED_DRAIN: f"uncordon-{target}",
            },
        )
        self.mcn.update(
            name,
            [
                Condition("Uncordoned", "True", "Successfully uncordoned node"),
                Condition("UpdateComplete", "True", "Update Completed", "Uncordoned"),
                Condition("Resumed", "True", f"In desired config {target}. Resumed normal operations."),
                Condition("NodeDegraded", "False", ""),
                Condition("Updated", "True", f"Node {name} Updated"),
            ],
            current=target,
            desired=target,
        )
        self._event(name, "Normal", "NodeDone", f"Setting node {name}, currentConfig {target} to Done")
        p.phase, p.target, p.attempts = IDLE, target, 0

    # ---- views and faults ----------------------------------------------------------------------------
    def fail_reboot(self, name: str, failing: bool = True) -> None:
        (self.failing_reboots.add if failing else self.failing_reboots.discard)(name)
        p = self.progress.get(name)
        if not failing and p is not None and p.phase == Phase.REBOOT:
            self.schedule(max(p.due, self._now()), name)
