"""Leader election on a Lease, with client-go's semantics, and a cluster that only the leader writes.

- A replica takes the Lease when it is free (no holder, e.g. released on SIGTERM) or when its record
  has not changed for `lease_duration` as measured on this replica's own clock since it saw the record
  change (clocks of different machines are never compared).
- The leader renews every `retry_period`; when it could not renew for `renew_deadline` it stops being
  the leader. `renew_deadline` < `lease_duration`, so a leader that cannot renew stops writing before
  any other replica may take the Lease: `LeaderCluster` confirms the lease before every write.
- A sync request recorded on the Lease (annotation `layering.gitops.dev/requestedAt`, written by any
  replica that received a webhook) makes the leader run a pass at once; the leader reads the Lease
  every `poll` seconds for that.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from reconciler.cluster.port import ClusterPort, Following, LeasePort, LeaseRecord
from reconciler.errors import ClusterError, Conflict
from reconciler.model import DesiredMachineConfig, LiveState
from reconciler.records import record

log = logging.getLogger("reconciler")
REQUEST_ATTEMPTS = 5


class NotLeader(ClusterError):
    """A write refused before it was sent: this replica does not hold a valid lease."""


@record
class LeaderConfig:
    identity: str
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    poll: float = 0.5  # the leader reads the Lease this often, to see sync requests at once

    def problems(self) -> list[str]:
        """client-go's rules: lease duration > renew deadline > retry period > 0."""
        found = []
        if not self.identity:
            found.append("--identity: must not be empty")
        if self.lease_duration <= self.renew_deadline:
            found.append("--lease-duration must be longer than --renew-deadline")
        if self.renew_deadline <= self.retry_period:
            found.append("--renew-deadline must be longer than --retry-period")
        if self.retry_period <= 0:
            found.append("--retry-period must be longer than 0s")
        return found


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    def __init__(self, leases: LeasePort, config: LeaderConfig, *,
                 monotonic: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time) -> None:
        self.leases, self.config = leases, config
        self._monotonic, self._wall = monotonic, wall
        self._renewed_at: float | None = None  # when the last successful acquire/renew was started
        self._leading = False
        self._observed: tuple[str, str, int] | None = None  # (holder, renewTime, duration) last seen
        self._observed_at = 0.0
        self._seen_request = ""
        self._record: LeaseRecord | None = None
        self.on_elected: Callable[[], None] = lambda: None
        self.on_request: Callable[[], None] = lambda: None  # a sync request appeared (leader only)
        self.on_change: Callable[[bool], None] = lambda leading: None

    # ---- state ---------------------------------------------------------------------------------
    @property
    def is_leader(self) -> bool:
        """Holds a lease renewed less than `renew_deadline` ago (by this replica's clock)."""
        renewed = self._renewed_at
        return renewed is not None and self._monotonic() - renewed < self.config.renew_deadline

    def confirm(self, what: str) -> None:
        if not self.is_leader:
            raise NotLeader(f"{what}: not written: {self.config.identity} does not hold the Lease "
                            f"{self.leases.name} (standby, or it could not renew in time)")

    # ---- one round -------------------------------------------------------------------------------
    def step(self) -> None:
        """Read the Lease; acquire or renew it when allowed and due; notice sync requests."""
        started = self._monotonic()
        try:
            record = self.leases.get()
            if record is None:
                record = self.leases.create(self._claim(LeaseRecord(), started))
                self._won(started)
            else:
                self._observe(record, started)
                if self._may_write(record, started):
                    record = self.leases.update(self._claim(record, started))
                    self._won(started)
                elif record.holder != self.config.identity:
                    self._renewed_at = None  # someone else holds it: we are not the leader, whatever our clock says
        except ClusterError as exc:
            level = logging.WARNING if self.is_leader else logging.DEBUG
            log.log(level, "Lease %s: %s", self.leases.name, exc)
            record = None
        self._record = record or self._record
        self._update_leading()
        if record is not None and self._leading:
            self._notice_request(record)

    def _observe(self, record: LeaseRecord, now: float) -> None:
        key = (record.holder, record.renew_time, record.duration_seconds)
        if key != self._observed:
            self._observed, self._observed_at = key, now

    def _may_write(self, record: LeaseRecord, now: float) -> bool:
        if record.holder == self.config.identity:
            renewed = self._renewed_at
            return renewed is None or now - renewed >= self.config.retry_period
        if not record.holder:
            return True
        return now - self._observed_at >= record.duration_seconds

    def _claim(self, record: LeaseRecord, now: float) -> LeaseRecord:
        ours = record.holder == self.config.identity and bool(record.acquire_time)
        stamp = rfc3339(self._wall())
        return replace(record, holder=self.config.identity, duration_seconds=round(self.config.lease_duration),
                       acquire_time=record.acquire_time if ours else stamp, renew_time=stamp,
                       transitions=record.transitions + (0 if ours else 1))

    def _won(self, started: float) -> None:
        self._renewed_at = started

    def _update_leading(self) -> None:
        leading = self.is_leader
        if leading == self._leading:
            return
        self._leading = leading
        if leading:
            self._seen_request = self._record.requested_at if self._record else ""
            log.info("%s acquired the Lease %s: leading", self.config.identity, self.leases.name)
        else:
            log.warning("%s lost the Lease %s: standby, writing nothing", self.config.identity, self.leases.name)
        self.on_change(leading)
        if leading:
            self.on_elected()

    def _notice_request(self, record: LeaseRecord) -> None:
        if record.requested_at and record.requested_at != self._seen_request:
            self._seen_request = record.requested_at
            log.info("sync requested at %s (through the Lease)", record.requested_at)
            self.on_request()

    # ---- the replica's background thread --------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        while True:
            try:
                self.step()
            except Exception:  # a bug must not end the election silently: log it, keep trying
                log.exception("Lease %s: leader election step failed", self.leases.name)
            delay = self.config.poll if self._leading else self.config.retry_period
            if stop.wait(delay):
                return

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop,), name="leader-election", daemon=True)
        thread.start()
        return thread

    def release(self) -> None:
        """Give the Lease up (on SIGTERM), so another replica takes it at once instead of after it expires."""
        if not self.is_leader:
            return
        self._renewed_at, self._leading = None, False  # no write goes out from here on
        self.on_change(False)
        try:
            record = self.leases.get()
            if record is not None and record.holder == self.config.identity:
                self.leases.update(replace(record, holder="", duration_seconds=1, renew_time=rfc3339(self._wall())))
                log.info("%s released the Lease %s", self.config.identity, self.leases.name)
        except ClusterError as exc:
            log.warning("Lease %s not released (it expires on its own): %s", self.leases.name, exc)

    def request_sync(self) -> None:
        """Record a sync request on the Lease, for whichever replica leads (a standby got a webhook)."""
        for _ in range(REQUEST_ATTEMPTS):
            record = self.leases.get()
            if record is None:
                raise ClusterError(f"Lease {self.leases.name}: not found; no replica leads yet")
            try:
                self.leases.update(replace(record, requested_at=rfc3339(self._wall())))
                return
            except Conflict:
                continue  # the leader renewed meanwhile: read again
        raise ClusterError(f"Lease {self.leases.name}: the sync request kept conflicting; try again")


class LeaderCluster:
    """A ClusterPort whose writes go out only while this replica holds a valid lease."""

    def __init__(self, inner: ClusterPort, elector: LeaderElector) -> None:
        self.inner, self.elector = inner, elector

    @property
    def namespace(self) -> str:
        return self.inner.namespace

    def read_live(self, now: float, every_node: bool = True) -> LiveState:
        return self.inner.read_live(now, every_node)

    def follow(self, wake: Callable[[], None]) -> None:
        """The inner cluster's watch cache, when it has one (reads need no lease)."""
        if isinstance(self.inner, Following):
            self.inner.follow(wake)

    def load_memory(self) -> dict[str, Any]:
        return self.inner.load_memory()

    def create_machine_config(self, mc: DesiredMachineConfig) -> str:
        self.elector.confirm(f"MachineConfig/{mc.name}")
        return self.inner.create_machine_config(mc)

    def update_machine_config(self, mc: DesiredMachineConfig, resource_version: str) -> str:
        self.elector.confirm(f"MachineConfig/{mc.name}")
        return self.inner.update_machine_config(mc, resource_version)

    def delete_machine_config(self, name: str, resource_version: str) -> None:
        self.elector.confirm(f"MachineConfig/{name}")
        self.inner.delete_machine_config(name, resource_version)

    def set_pool_paused(self, pool: str, paused: bool) -> None:
        self.elector.confirm(f"MachineConfigPool/{pool}")
        self.inner.set_pool_paused(pool, paused)

    def save_memory(self, doc: dict[str, Any]) -> None:
        self.elector.confirm("the rollout memory")
        self.inner.save_memory(doc)

    def record_event(
        self, subject_kind: str, subject_name: str, reason: str, message: str, event_type: str = "Normal",
        namespace: str | None = None,
    ) -> None:
        if self.elector.is_leader:  # best effort, like the inner one: a standby records nothing
            self.inner.record_event(subject_kind, subject_name, reason, message, event_type, namespace)
