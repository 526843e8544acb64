"""Benchmark: two `reconciler run --leader-elect` processes (client-go defaults 15 s / 10 s / 2 s,
--interval 10m) against a simulator served by this process.

- commit → MachineConfig written through a signed hook posted to the STANDBY, p50 and p95 over N commits
- failover: kill -9 of the leader mid rollout → the other holds the Lease, and → its first write
- git round trips (connections to the remote) per idle snapshot of an unchanged repository

    .venv/bin/python benchmarks/leader_webhook.py [--commits 20]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mcosim import SimConfig, Simulator  # noqa: E402
from mcosim.resources import LEASES, MACHINE_CONFIGS  # noqa: E402
from reconciler.controller.webhook import signature  # noqa: E402
from reconciler.source import GitSource  # noqa: E402

IMAGES = [
    "quay.io/my-registry/rhcos-hotfix@sha256:8afaccbbe78087b87335a43c082f78d3f663a1865a92ed709154d29d50eb8010",
    "quay.io/my-registry/rhcos-hotfix@sha256:5ddc31f7c91d7f7eb845343f3c71bec85023eacd34ed6c658f2ba6e68a842edb",
]
SECRET = b"benchmark-secret"
GIT_ENV = {"GIT_AUTHOR_NAME": "B", "GIT_AUTHOR_EMAIL": "b@example.com", "GIT_COMMITTER_NAME": "B",
           "GIT_COMMITTER_EMAIL": "b@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
POLICY = ("apiVersion: layering.gitops.dev/v1alpha1\nkind: LayeringPolicy\nmetadata: {name: default}\n"
          "spec: {bakeTime: 0s, allowEmpty: true}\n")


def binding(pool: str, image: str) -> str:
    return (f"apiVersion: layering.gitops.dev/v1alpha1\nkind: PoolImageBinding\nmetadata: {{name: {pool}-image}}\n"
            f"spec: {{pool: {pool}, osImageURL: '{image}'}}\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Bench:
    def __init__(self, tmp: Path, sim: Simulator) -> None:
        self.tmp, self.sim = tmp, sim
        self.env = {**os.environ, **GIT_ENV, "HOME": str(tmp), "XDG_CACHE_HOME": str(tmp / "cache")}
        self.kubeconfig = sim.write_kubeconfig(tmp / "kubeconfig")
        self.work, self.remote = tmp / "work", tmp / "remote.git"
        self.git("init", "--quiet", "--initial-branch=main", str(self.work), cwd=tmp)
        (self.work / "layering.yaml").write_text(POLICY)
        self.commit("policy")
        self.git("init", "--quiet", "--bare", "--initial-branch=main", str(self.remote), cwd=tmp)
        self.git("push", "--quiet", str(self.remote), "main")
        (tmp / "secret").write_bytes(SECRET)
        self.replicas: dict[str, tuple[subprocess.Popen[bytes], int]] = {}

    def git(self, *args: str, cwd: Path | None = None) -> None:
        subprocess.run(["git", *args], cwd=cwd or self.work, env=self.env, check=True, capture_output=True)

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "--quiet", "-m", message)

    def start(self, identity: str) -> None:
        port = free_port()
        command = [sys.executable, "-m", "reconciler", "run", "--repo", self.remote.as_uri(), "--kubeconfig",
                   str(self.kubeconfig), "--interval", "10m", "--leader-elect", "--identity", identity,
                   "--webhook-port", str(port), "--webhook-address", "127.0.0.1",
                   "--webhook-secret-file", str(self.tmp / "secret"), "--cache-dir", str(self.tmp / identity)]
        with (self.tmp / f"{identity}.log").open("wb") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.replicas[identity] = (process, port)

    def holder(self) -> str:
        with self.sim.store.lock:
            lease = self.sim.store.try_get(LEASES, "layering-reconciler", "layering-reconciler") or {}
        return str((lease.get("spec") or {}).get("holderIdentity") or "")

    def image(self, name: str) -> str:
        with self.sim.store.lock:
            mc = self.sim.store.try_get(MACHINE_CONFIGS, name) or {}
        return str((mc.get("spec") or {}).get("osImageURL") or "")

    def post(self, identity: str) -> None:
        body = b'{"ref": "refs/heads/main"}'
        request = urllib.request.Request(f"http://127.0.0.1:{self.replicas[identity][1]}/hook/generic", data=body,
                                         headers={"X-Signature": signature(SECRET, body)}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert reply.status == 202, reply.status

    def stop(self) -> None:
        for process, _ in self.replicas.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)


def until(predicate: Callable[[], bool], timeout: float) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise SystemExit(f"timed out after {timeout}s")
        time.sleep(0.01)
    return time.monotonic() - started


def hooks(bench: Bench, commits: int, standby: str) -> list[float]:
    latencies = []
    for i in range(commits):
        image = IMAGES[i % 2]
        (bench.work / "bindings").mkdir(exist_ok=True)
        (bench.work / "bindings" / "canary.yaml").write_text(binding("canary", image))
        bench.commit(f"canary {i}")
        bench.git("push", "--quiet", str(bench.remote), "main")
        started = time.monotonic()
        bench.post(standby)
        until(lambda image=image: bench.image("99-layering-canary") == image, 30)  # type: ignore[misc]
        latencies.append(time.monotonic() - started)
        time.sleep(2.5)  # the canary's node reboots into the image before the next commit
    return latencies


def failover(bench: Bench, leader: str, standby: str) -> tuple[float, float]:
    (bench.work / "bindings" / "worker.yaml").write_text(binding("worker", IMAGES[0]))
    bench.commit("worker")
    bench.git("push", "--quiet", str(bench.remote), "main")
    bench.post(standby)
    until(lambda: bench.image("99-layering-worker") == IMAGES[0], 30)  # the rollout is under way
    writes = len(bench.sim.api.writes)
    process, _ = bench.replicas[leader]
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    killed = time.monotonic()
    to_lease = until(lambda: bench.holder() == standby, 60)
    agent = f"layering-reconciler ({standby})"
    until(lambda: any(w.agent == agent and w.resource != "leases" for w in bench.sim.api.writes[writes:]), 120)
    return to_lease, time.monotonic() - killed


def git_round_trips(tmp: Path, remote: Path, snapshots: int) -> float:
    trace = tmp / "trace2.json"
    os.environ["GIT_TRACE2_EVENT"] = str(trace)
    try:
        source = GitSource(remote.as_uri(), cache_dir=tmp / "idle-cache")
        source.snapshot()
        trace.unlink()
        for _ in range(snapshots):
            source.snapshot()
        lines = trace.read_text().splitlines()
    finally:
        del os.environ["GIT_TRACE2_EVENT"]
    return sum(1 for line in lines if '"child_start"' in line and "upload-pack" in line) / snapshots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ha-") as tmp, \
            Simulator(SimConfig(speed=60.0, masters=1, workers=2, pools={"canary": 1})) as sim:
        bench = Bench(Path(tmp), sim)
        try:
            bench.start("replica-a")
            bench.start("replica-b")
            until(lambda: bench.holder() in ("replica-a", "replica-b"), 60)
            leader = bench.holder()
            standby = "replica-b" if leader == "replica-a" else "replica-a"
            time.sleep(3)  # both up and serving hooks
            latencies = sorted(hooks(bench, args.commits, standby))
            to_lease, to_write = failover(bench, leader, standby)
            trips = git_round_trips(Path(tmp), bench.remote, 10)
        finally:
            bench.stop()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    print(f"commit → MachineConfig via a hook to the standby ({args.commits} commits): "
          f"p50 {statistics.median(latencies):.2f}s, p95 {p95:.2f}s, max {latencies[-1]:.2f}s")
    print(f"kill -9 of the leader mid rollout (lease 15s/renew 10s/retry 2s): Lease taken after {to_lease:.1f}s, "
          f"first write of the new leader after {to_write:.1f}s")
    print(f"git connections to the remote per idle snapshot: {trips:.1f}")
    print("command: .venv/bin/python benchmarks/leader_webhook.py " + " ".join(sys.argv[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
