"""The CLI as a user runs it: `python -m reconciler` subprocesses, real git repositories, the simulator
(in this process in virtual time, or `reconciler sim up` as a process) and kubectl, all over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from testkit import GIT_ENV, HOTFIX1, kubectl_binary

from mcosim import Simulator
from mcosim.resources import MACHINE_CONFIGS

TAGGED = "quay.io/my-registry/rhcos-hotfix:4.16-hotfix1"
MC = "99-layering-worker"
MC_PATH = "/apis/machineconfiguration.openshift.io/v1/machineconfigs"
POOL_PATH = "/apis/machineconfiguration.openshift.io/v1/machineconfigpools"


def user_env(home: Path) -> dict[str, str]:
    """A user's environment with a private HOME, caches and git identity (no KUBECONFIG)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "GIT_TOKEN")}
    return {**env, **GIT_ENV, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
            "KUBECACHEDIR": str(home / "kubecache"), "COLUMNS": "200", "GIT_TERMINAL_PROMPT": "0"}


def reconciler_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "reconciler", *args]


class Cli:
    """Runs `reconciler …` (and git, kubectl) as subprocesses in one user environment."""

    def __init__(self, home: Path, cwd: Path) -> None:
        self.env = user_env(home)
        self.cwd = cwd

    def __call__(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(reconciler_cmd(*args), cwd=self.cwd, env=self.env, capture_output=True,
                              text=True, timeout=timeout, check=False)

    def git(self, *args: str, cwd: Path | None = None) -> str:
        result = subprocess.run(["git", *args], cwd=cwd or self.cwd, env=self.env, capture_output=True,
                                text=True, check=True)
        return result.stdout.strip()

    def kubectl(self, kubeconfig: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([kubectl_binary(), "--kubeconfig", str(kubeconfig), *args], input=stdin,
                              env=self.env, capture_output=True, text=True, timeout=60, check=False)


def free_port() -> int:
    """A localhost port nothing listens on (for unreachable servers, or one to listen on)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---- bindings repositories ---------------------------------------------------------------------------
def binding_yaml(name: str, pool: str, image: str) -> str:
    return (
        "apiVersion: layering.gitops.dev/v1alpha1\n"
        "kind: PoolImageBinding\n"
        f"metadata:\n  name: {name}\n"
        f"spec:\n  pool: {pool}\n  osImageURL: {image}\n"
    )


def policy_yaml(bake: str = "0s", allow_empty: bool = True) -> str:
    return (
        "apiVersion: layering.gitops.dev/v1alpha1\n"
        "kind: LayeringPolicy\n"
        "metadata:\n  name: default\n"
        f"spec:\n  bakeTime: {bake}\n  allowEmpty: {str(allow_empty).lower()}\n"
    )


class Repo:
    """A bindings repository made by `git init`, committed to like a user would."""

    def __init__(self, cli: Cli, path: Path) -> None:
        self.cli = cli
        self.path = path
        path.mkdir(parents=True)
        cli.git("init", "--quiet", "--initial-branch=main", cwd=path)

    def write(self, rel: str, content: str) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)

    def commit(self, message: str) -> str:
        self.cli.git("add", "-A", cwd=self.path)
        self.cli.git("commit", "--quiet", "-m", message, cwd=self.path)
        return self.head()

    def head(self) -> str:
        return self.cli.git("rev-parse", "HEAD", cwd=self.path)

    def bare_remote(self, path: Path) -> str:
        """Push main to a new bare repository; its file:// URL."""
        self.cli.git("init", "--quiet", "--bare", "--initial-branch=main", str(path), cwd=self.path)
        self.cli.git("push", "--quiet", str(path), "main", cwd=self.path)
        return path.as_uri()


def bound_repo(cli: Cli, path: Path, image: str = HOTFIX1) -> Repo:
    """A policy commit (bake 0s, allowEmpty) then a commit binding worker to `image`."""
    repo = Repo(cli, path)
    repo.write("layering.yaml", policy_yaml())
    repo.commit("Policy")
    repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", image))
    repo.commit("Bind worker")
    return repo


# ---- the simulator in this process ------------------------------------------------------------------
@dataclass
class LocalSim:
    """The simulator in virtual time, served over HTTP by the test process; CLI subprocesses use it."""

    sim: Simulator
    kubeconfig: Path

    def mc(self, name: str) -> dict[str, Any] | None:
        with self.sim.store.lock:
            return self.sim.store.try_get(MACHINE_CONFIGS, name)

    def layering_mcs(self) -> set[str]:
        with self.sim.store.lock:
            names = {obj["metadata"]["name"] for obj in self.sim.store.items(MACHINE_CONFIGS)}
        return {name for name in names if name.startswith("99-layering-")}


# ---- `reconciler sim up` as a process --------------------------------------------------------------------
class SimProcess:
    """`reconciler sim up` in the background; its API read with plain HTTP."""

    release = "4.16.3"

    def __init__(self, cli: Cli, workdir: Path, *args: str) -> None:
        self.kubeconfig = workdir / "sim.kubeconfig"
        self.log = workdir / "sim.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                reconciler_cmd("sim", "up", "--kubeconfig-out", str(self.kubeconfig), *args),
                cwd=workdir, env=cli.env, stdout=log, stderr=subprocess.STDOUT, text=True)
        self.url = self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log.read_text().splitlines():
                if line.startswith("mcosim API at "):
                    return line.split()[3].rstrip(",")
            if self.process.poll() is not None:
                raise AssertionError(f"sim up exited {self.process.returncode}: {self.log.read_text()}")
            time.sleep(0.1)
        raise AssertionError(f"sim up did not start: {self.log.read_text()}")

    def get(self, path: str) -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as reply:
                return dict(json.loads(reply.read()))
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return None
            raise

    def mc(self, name: str) -> dict[str, Any] | None:
        return self.get(f"{MC_PATH}/{name}")

    def pool(self, name: str) -> dict[str, Any]:
        pool = self.get(f"{POOL_PATH}/{name}")
        assert pool is not None
        return pool

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def pool_updated_on(sim: SimProcess, pool: str, image: str) -> bool:
    """Updated on a target rendered config carrying `image`, status caught up with the spec."""
    obj = sim.pool(pool)
    target = obj["spec"]["configuration"]["name"]
    rendered = sim.mc(target) or {}
    status = obj.get("status") or {}
    updated = any(c["type"] == "Updated" and c["status"] == "True" for c in status.get("conditions", []))
    return (updated and (status.get("configuration") or {}).get("name") == target
            and rendered.get("spec", {}).get("osImageURL") == image
            and status.get("updatedMachineCount") == status.get("machineCount"))


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
