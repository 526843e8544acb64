"""Liveness and readiness of `reconciler run`, and the one HTTP server for /metrics, /healthz, /readyz.

- **/healthz (liveness)** fails only when the loop is stuck: no pass has started for
  `STUCK_AFTER_GAPS` times the wait the loop itself scheduled (the interval, or the backoff after
  failures), and never sooner than `MIN_STUCK_SECONDS` (10 minutes: twice the longest a git
  fetch may take). A failing repository or cluster does not fail liveness: restarting would not fix it.
- **A standby replica** (leader election, not holding the Lease) runs no passes: it is live and
  ready (`[+]loop ok`, `[+]leader ok`), so a Service may route webhooks to it.
- **/readyz (readiness)** reflects whether the last pass could read git and the cluster: not
  ready before the first pass ends, after a pass that could not fetch the repository, or after
  one the cluster failed (unreachable, refused, forbidden). A commit with invalid bindings still
  counts as a git read (the loop writes nothing and reports it); as that pass never reached the
  cluster, the cluster's last known answer stands. A plan with blocking problems read both.

Both answer `200` or `503` with one line per check, in the style of the Kubernetes API
server (`[+]git ok`, `[-]cluster failed: …`); the texts are the passes' own error messages,
which carry no secrets.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from reconciler.errors import ClusterError, InvalidInput, ReconcilerError, SourceError
from reconciler.records import record
from reconciler.source.gitcmd import FETCH_TIMEOUT_SECONDS

STUCK_AFTER_GAPS = 3
MIN_STUCK_SECONDS = 2 * FETCH_TIMEOUT_SECONDS  # a pass may wait this long on git alone, and then fail


@record
class Check:
    name: str
    ok: bool
    detail: str = ""

    def line(self) -> str:
        return f"[+]{self.name} ok" if self.ok else f"[-]{self.name} failed: {self.detail}"


class Health:
    """What the loop reports about its passes, and the probes' verdicts. Thread-safe."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._interval = interval
        self._gap = interval  # the wait the loop scheduled before the next pass
        self._last_start = clock()  # the loop's start counts as the first expected pass
        self._git: Check = Check("git", False, "no pass has finished yet")
        self._cluster: Check = Check("cluster", False, "no pass has finished yet")
        self._standby = False

    def set_standby(self, standby: bool) -> None:
        """A standby runs no passes; a new leader's clock of passes starts when it is elected."""
        with self._lock:
            if self._standby and not standby:
                self._last_start = self._clock()
            self._standby = standby

    # ---- what the loop reports ------------------------------------------------------------------
    def pass_started(self) -> None:
        with self._lock:
            self._last_start = self._clock()

    def next_pass_in(self, seconds: float) -> None:
        with self._lock:
            self._gap = max(seconds, self._interval)

    def pass_succeeded(self) -> None:
        with self._lock:
            self._git, self._cluster = Check("git", True), Check("cluster", True)

    def pass_failed(self, error: ReconcilerError) -> None:
        """Which read the error shows to have failed (or succeeded)."""
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        with self._lock:
            if isinstance(error, SourceError):
                self._git = Check("git", False, first_line)
            elif isinstance(error, InvalidInput):
                self._git = Check("git", True)
            elif isinstance(error, ClusterError):
                self._git, self._cluster = Check("git", True), Check("cluster", False, first_line)
            else:  # Blocked: both were read, the plan refused to go on
                self._git, self._cluster = Check("git", True), Check("cluster", True)

    # ---- the probes -----------------------------------------------------------------------------
    def stuck_after(self) -> float:
        with self._lock:
            return max(STUCK_AFTER_GAPS * self._gap, MIN_STUCK_SECONDS)

    def liveness(self) -> list[Check]:
        with self._lock:
            if self._standby:
                return [Check("loop", True)]
            waited = self._clock() - self._last_start
        limit = self.stuck_after()
        if waited > limit:
            return [Check("loop", False, f"no pass started for {waited:.0f}s (stuck after {limit:.0f}s)")]
        return [Check("loop", True)]

    def readiness(self) -> list[Check]:
        with self._lock:
            if self._standby:
                return [Check("leader", True, "standby")]
            return [self._git, self._cluster]


class ProbeServer:
    """GET /metrics (Prometheus text), /healthz and /readyz, on a thread of its own."""

    def __init__(self, registry: CollectorRegistry, health: Health, port: int, address: str = "0.0.0.0") -> None:
        self.registry, self.health = registry, health
        try:
            self._httpd = _Server((address, port), self)
        except OSError as exc:
            raise InvalidInput(f"--metrics-port {port}: cannot listen on {address}:{port}: {exc.strerror}") from None
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="probes", daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> ProbeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def answer(self, path: str) -> tuple[int, str, bytes]:
        route = path.split("?", 1)[0].rstrip("/") or "/"
        if route == "/metrics":
            return 200, CONTENT_TYPE_LATEST, generate_latest(self.registry)
        if route in ("/healthz", "/livez"):
            return _checks(self.health.liveness(), "healthz")
        if route == "/readyz":
            return _checks(self.health.readiness(), "readyz")
        return 404, "text/plain; charset=utf-8", b"not found: try /metrics, /healthz or /readyz\n"


def _checks(checks: list[Check], name: str) -> tuple[int, str, bytes]:
    ok = all(check.ok for check in checks)
    lines = [check.line() for check in checks] + [f"{name} check {'passed' if ok else 'failed'}"]
    return (200 if ok else 503), "text/plain; charset=utf-8", ("\n".join(lines) + "\n").encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], probes: ProbeServer) -> None:
        self.probes = probes
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        status, content_type, body = self.server.probes.answer(self.path)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # probes every few seconds: not log lines
        pass
