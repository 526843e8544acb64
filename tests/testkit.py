"""What the suites share: the simulator's image references (mcosim/data/images.json), real git, and
a cluster port that kills a pass before or after any write (for resume and chaos tests)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from reconciler.model import DesiredMachineConfig, LiveState

if TYPE_CHECKING:
    from reconciler.cluster.port import ClusterPort

T = TypeVar("T")

BASE_4163 = (
    "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:d8a8c5edf9d012533f213a3694b60a58f5bfdcc5a0abef9a2a9ff5928f3709c9"
)
HOTFIX1 = "quay.io/my-registry/rhcos-hotfix@sha256:8afaccbbe78087b87335a43c082f78d3f663a1865a92ed709154d29d50eb8010"
HOTFIX2 = "quay.io/my-registry/rhcos-hotfix@sha256:5ddc31f7c91d7f7eb845343f3c71bec85023eacd34ed6c658f2ba6e68a842edb"
HOTFIX_4169 = (
    "quay.io/my-registry/rhcos-hotfix@sha256:8c6844831fb963467f45991775ce1702b29bb47df514540f1cee63c818069270"
)
BAD_IMAGE = "quay.io/my-registry/rhcos-hotfix@sha256:" + "0" * 61 + "bad"  # the registry does not know it

GIT_ENV = {  # a fixed identity, and no user or system git configuration
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def kubectl_binary() -> str:
    """kubectl's path; a missing kubectl skips a local run and fails in CI (CI=true), never silently."""
    binary = shutil.which("kubectl")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("kubectl is required in CI but is not on PATH")
        pytest.skip("kubectl is not on PATH")
    return binary


# ---- a cluster port that dies mid-pass ---------------------------------------------------------
class Crash(BaseException):  # not an Exception: no handler in the code under test may swallow a kill
    """The pass was killed here, as by kill -9: nothing below the port may catch it."""


class Moment(StrEnum):
    BEFORE = "before"  # the write never reaches the cluster
    AFTER = "after"  # the write is done, the process dies before it learns so


@dataclass
class CrashingCluster:
    """A ClusterPort around a real one that raises Crash at its `crash_at`-th write (1-based), before or
    after the write reaches the cluster; `writes` logs every write that reached it, in order.

    Writes are the MachineConfig creates, updates and deletes, pool pauses and memory saves. Events are
    passed through uncounted (best effort, no state), reads too.
    """

    inner: ClusterPort
    crash_at: int | None = None
    moment: Moment = Moment.BEFORE
    writes: list[str] = field(default_factory=list)
    count: int = 0

    @property
    def namespace(self) -> str:
        return self.inner.namespace

    def read_live(self, now: float, every_node: bool = True) -> LiveState:
        return self.inner.read_live(now, every_node)

    def load_memory(self) -> dict[str, Any]:
        return self.inner.load_memory()

    def record_event(
        self, subject_kind: str, subject_name: str, reason: str, message: str, event_type: str = "Normal",
        namespace: str | None = None,
    ) -> None:
        self.inner.record_event(subject_kind, subject_name, reason, message, event_type, namespace)

    def create_machine_config(self, mc: DesiredMachineConfig) -> str:
        return self._write(f"create {mc.name} {mc.os_image_url}", lambda: self.inner.create_machine_config(mc))

    def update_machine_config(self, mc: DesiredMachineConfig, resource_version: str) -> str:
        return self._write(
            f"update {mc.name} {mc.os_image_url}", lambda: self.inner.update_machine_config(mc, resource_version)
        )

    def delete_machine_config(self, name: str, resource_version: str) -> None:
        self._write(f"delete {name}", lambda: self.inner.delete_machine_config(name, resource_version))

    def set_pool_paused(self, pool: str, paused: bool) -> None:
        self._write(f"{'pause' if paused else 'unpause'} {pool}", lambda: self.inner.set_pool_paused(pool, paused))

    def save_memory(self, doc: dict[str, Any]) -> None:
        self._write("save memory", lambda: self.inner.save_memory(doc))

    def _write(self, what: str, write: Callable[[], T]) -> T:
        self.count += 1
        dies = self.count == self.crash_at
        if dies and self.moment is Moment.BEFORE:
            raise Crash(f"killed before write {self.count} ({what})")
        done = write()
        self.writes.append(what)
        if dies:
            raise Crash(f"killed after write {self.count} ({what})")
        return done


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet request handler for the small HTTP servers tests stand up (registries, APIs, hooks)."""

    def reply_json(self, code: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass
