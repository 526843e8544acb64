"""Kill -9 and resume: `reconciler sim up` and `reconciler run` as processes, writes recorded by a watch.

`SimProcess` runs the simulated cluster at high speed; `WriteLog` watches machineconfigs (and pools)
from the test over the real API and keeps every change to our MachineConfigs in order; `Runner`
starts, SIGKILLs and restarts `reconciler run`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testkit import GIT_ENV

MCO_API = "/apis/machineconfiguration.openshift.io/v1"
OURS = "99-layering-"


def environment(home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "GIT_TOKEN")}
    return {**env, **GIT_ENV, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}


def reconciler(*args: str) -> list[str]:
    return [sys.executable, "-m", "reconciler", *args]


def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    """Signal the process group we started for `process` (by its id), then reap it."""
    if process.poll() is None:
        os.killpg(process.pid, sig)
    process.wait(timeout=30)


# ---- the simulated cluster as a process ----------------------------------------------------------
class SimProcess:
    def __init__(self, tmp: Path, env: dict[str, str], speed: float) -> None:
        self.kubeconfig = tmp / "sim.kubeconfig"
        self.log = (tmp / "sim.log").open("wb")
        args = ["sim", "up", "--pool", "canary=1", "--workers", "2", "--masters", "1", "--speed", str(speed)]
        self.process = subprocess.Popen(
            reconciler(*args, "--kubeconfig-out", str(self.kubeconfig)),
            cwd=tmp, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.server = ""
        deadline = time.monotonic() + 60
        while not self._answering():
            assert self.process.poll() is None, "reconciler sim up exited"
            assert time.monotonic() < deadline, "reconciler sim up did not start"
            time.sleep(0.1)

    def _answering(self) -> bool:
        if not self.kubeconfig.exists():
            return False
        try:
            config = json.loads(self.kubeconfig.read_text())
            self.server = str(config["clusters"][0]["cluster"]["server"])
            self.get("/version")
        except (OSError, ValueError, KeyError, IndexError):
            return False
        return True

    def get(self, path: str) -> dict[str, Any]:
        """A GET on the simulated API server (it needs no credentials), as JSON."""
        with urllib.request.urlopen(self.server + path, timeout=10) as reply:
            return dict(json.loads(reply.read()))

    def watch(self, path: str, resource_version: str, seconds: int) -> Iterator[dict[str, Any]]:
        """Watch events from `resource_version` on, for at most `seconds`."""
        query = f"?watch=1&resourceVersion={resource_version}&timeoutSeconds={seconds}"
        with urllib.request.urlopen(self.server + path + query, timeout=seconds + 10) as reply:
            for line in reply:
                if line.strip():
                    yield dict(json.loads(line))

    def stop(self) -> None:
        stop_process(self.process, signal.SIGTERM)
        self.log.close()


# ---- what happened to our MachineConfigs -----------------------------------------------------------
@dataclass(frozen=True)
class Change:
    at: float  # wall time the watch saw it
    kind: str  # ADDED | MODIFIED | DELETED
    name: str
    image: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name} {self.image}".rstrip()


@dataclass
class WriteLog:
    """Watches machineconfigs (resuming by resourceVersion) and pools; keeps changes to ours."""

    sim: SimProcess
    changes: list[Change] = field(default_factory=list)
    pool_events: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    rendered_images: dict[str, str] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> WriteLog:
        for plural, record in (("machineconfigs", self._on_mc), ("machineconfigpools", self._on_pool)):
            thread = threading.Thread(target=self._follow, args=(plural, record), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def _follow(self, plural: str, record: Callable[[str, dict[str, Any]], None]) -> None:
        path = f"{MCO_API}/{plural}"
        listed = self.sim.get(path)
        for item in listed["items"]:
            record("ADDED", item)
        version = str(listed["metadata"]["resourceVersion"])
        while not self._stop.is_set():
            for event in self.sim.watch(path, version, seconds=2):
                obj = event["object"]
                version = str(obj["metadata"]["resourceVersion"])
                record(str(event["type"]), obj)

    def _on_mc(self, kind: str, obj: dict[str, Any]) -> None:
        name = obj["metadata"]["name"]
        image = (obj.get("spec") or {}).get("osImageURL", "")
        if name.startswith("rendered-"):
            self.rendered_images[name] = image
        elif name.startswith(OURS):
            self.changes.append(Change(time.time(), kind, name, "" if kind == "DELETED" else image))

    def _on_pool(self, kind: str, obj: dict[str, Any]) -> None:
        self.pool_events.append((time.time(), obj))

    def first_updated_on(self, pool: str, image: str) -> float | None:
        """When the pool was first seen Updated with every machine on a config carrying `image`."""
        for at, obj in self.pool_events:
            status = obj.get("status") or {}
            current = (status.get("configuration") or {}).get("name", "")
            updated = any(c["type"] == "Updated" and c["status"] == "True" for c in status.get("conditions", []))
            if (
                obj["metadata"]["name"] == pool
                and updated
                and current == (obj["spec"].get("configuration") or {}).get("name")
                and self.rendered_images.get(current) == image
                and status.get("updatedMachineCount") == status.get("machineCount")
            ):
                return at
        return None

    def written(self, name: str) -> list[Change]:
        return [c for c in self.changes if c.name == name]


# ---- the reconciler, killed and restarted ---------------------------------------------------------
@dataclass
class Runner:
    repo: Path
    kubeconfig: Path
    env: dict[str, str]
    logs: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: list[str] = field(default_factory=list)  # why each kill happened

    def start(self) -> None:
        assert self.process is None
        self.starts += 1
        log = (self.logs / f"run-{self.starts:03d}.log").open("wb")
        args = ["run", "--repo", str(self.repo), "--kubeconfig", str(self.kubeconfig), "--interval", "1s",
                "--cache-dir", str(self.logs / "cache")]
        self.process = subprocess.Popen(
            reconciler(*args), cwd=self.logs, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def has_logged(self) -> bool:
        """The current run has written a log line (its first pass ended, or it wrote something)."""
        return (self.logs / f"run-{self.starts:03d}.log").stat().st_size > 0

    def kill(self, why: str) -> None:
        assert self.process is not None
        assert self.process.poll() is None, f"reconciler run exited by itself ({self.process.returncode})"
        stop_process(self.process)
        self.process = None
        self.kills.append(why)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, signal.SIGTERM)
            self.process = None

    def failures(self) -> list[str]:
        """Log lines of failed passes or tracebacks across every run."""
        found = []
        for path in sorted(self.logs.glob("run-*.log")):
            found += [f"{path.name}: {line}" for line in path.read_text().splitlines()
                      if "Traceback" in line or "pass failed" in line]
        return found
