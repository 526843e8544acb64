"""Two `reconciler run --leader-elect` processes against one simulated cluster (served by this process,
which records every write with its sender): exactly one leads; a signed hook posted to the standby makes
the leader write at once, a badly signed one changes nothing; kill -9 of the leader mid staged rollout
hands the Lease over and the rollout continues in stage order; the killed replica returns as standby and
the second leader is killed too; never a write from a replica that did not hold the Lease at that moment."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from e2e_support import Cli, Repo, free_port, reconciler_cmd, wait_for
from testkit import HOTFIX1, HOTFIX2

from mcosim import SimConfig, Simulator
from mcosim.resources import LEASES, MACHINE_CONFIGS, POOLS
from reconciler.controller.webhook import signature

pytestmark = pytest.mark.timeout(150)

SECRET = b"s3cret-hook"
LEASE = ("layering-reconciler", "layering-reconciler")
LEASE_SECONDS, RENEW_SECONDS, RETRY_SECONDS = 4, 3, 1
BAKE = 3
POLICY = ("apiVersion: layering.gitops.dev/v1alpha1\nkind: LayeringPolicy\nmetadata: {name: default}\n"
          f"spec: {{bakeTime: {BAKE}s, allowEmpty: true}}\n")


def binding(pool: str, image: str, stage: int) -> str:
    return (f"apiVersion: layering.gitops.dev/v1alpha1\nkind: PoolImageBinding\nmetadata: {{name: {pool}-image}}\n"
            f"spec: {{pool: {pool}, osImageURL: '{image}', stage: {stage}}}\n")


@dataclass
class Replica:
    identity: str
    process: subprocess.Popen[bytes]
    hook_port: int
    metrics_port: int
    log: Path

    def post(self, body: bytes, headers: dict[str, str]) -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{self.hook_port}/hook/generic", data=body,
                                         headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return int(reply.status)
        except urllib.error.HTTPError as err:
            return int(err.code)

    def leading(self) -> float:
        """The layering_leader gauge (-1 while the metrics are not served yet)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10) as reply:
                lines = reply.read().decode().splitlines()
        except urllib.error.URLError:
            return -1.0
        return next(float(line.split()[1]) for line in lines if line.startswith("layering_leader "))

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


class World:
    def __init__(self, tmp: Path, cli: Cli, sim: Simulator) -> None:
        self.tmp, self.cli, self.sim = tmp, cli, sim
        self.kubeconfig = sim.write_kubeconfig(tmp / "kubeconfig")
        self.repo = Repo(cli, tmp / "bindings")
        self.repo.write("layering.yaml", POLICY)
        self.repo.commit("Policy")
        self.url = self.repo.bare_remote(tmp / "remote.git")
        (tmp / "secret").write_bytes(SECRET + b"\n")
        self.replicas: dict[str, Replica] = {}

    def start(self, identity: str) -> Replica:
        hook, metrics = free_port(), free_port()
        log = self.tmp / f"{identity}.log"
        command = reconciler_cmd(
            "run", "--repo", self.url, "--kubeconfig", str(self.kubeconfig), "--interval", "10m",
            "--cache-dir", str(self.tmp / f"cache-{identity}"), "--leader-elect", "--identity", identity,
            "--lease-duration", f"{LEASE_SECONDS}s", "--renew-deadline", f"{RENEW_SECONDS}s",
            "--retry-period", f"{RETRY_SECONDS}s", "--webhook-port", str(hook), "--webhook-address", "127.0.0.1",
            "--webhook-secret-file", str(self.tmp / "secret"), "--metrics-port", str(metrics))
        with log.open("wb") as out:
            process = subprocess.Popen(command, cwd=self.tmp, env=self.cli.env, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        replica = Replica(identity, process, hook, metrics, log)
        self.replicas[identity] = replica
        return replica

    def holder(self) -> str:
        with self.sim.store.lock:
            lease = self.sim.store.try_get(LEASES, LEASE[0], LEASE[1])
        return str(((lease or {}).get("spec") or {}).get("holderIdentity") or "")

    def mc_image(self, name: str) -> str | None:
        with self.sim.store.lock:
            mc = self.sim.store.try_get(MACHINE_CONFIGS, name)
        return None if mc is None else str(mc["spec"].get("osImageURL", ""))

    def pool_done(self, pool: str, image: str) -> bool:
        with self.sim.store.lock:
            obj = self.sim.store.get(POOLS, pool)
            current = (obj.get("status") or {}).get("configuration", {}).get("name", "")
            rendered = self.sim.store.try_get(MACHINE_CONFIGS, current) if current.startswith("rendered-") else None
        status = obj.get("status") or {}
        return (rendered is not None and rendered["spec"].get("osImageURL") == image
                and status.get("updatedMachineCount") == status.get("machineCount")
                and current == obj["spec"]["configuration"]["name"])

    def push(self, rel: str, content: str, message: str) -> None:
        self.repo.write(rel, content)
        self.repo.commit(message)
        self.cli.git("push", "--quiet", self.url, "main", cwd=self.repo.path)

    def writes(self) -> list[Any]:
        return list(self.sim.api.writes)

    def stop(self) -> None:
        for replica in self.replicas.values():
            if replica.process.poll() is None:
                os.killpg(replica.process.pid, signal.SIGTERM)
                try:
                    replica.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    replica.kill()


@pytest.fixture
def world(tmp_path: Path, cli: Cli) -> Iterator[World]:
    config = SimConfig(speed=60.0, masters=1, workers=2, pools={"canary": 1})
    with Simulator(config) as sim:
        made = World(tmp_path, cli, sim)
        yield made
        made.stop()


def unauthorized_writes(writes: list[Any]) -> list[str]:
    """Writes (other than to the Lease, and the namespace made for its creation outside a cluster install)
    whose sender was not the Lease's holder after the last Lease write."""
    holder, found = "", []
    for write in writes:
        if write.resource == "namespaces" and not holder:
            continue
        if write.resource == "leases":
            if write.holder:
                holder = write.holder
            continue
        if write.agent.startswith("layering-reconciler") and write.agent != f"layering-reconciler ({holder})":
            found.append(f"{write.agent} {write.verb} {write.resource}/{write.name} while {holder!r} held the Lease")
    return found


def test_two_replicas_one_leader_hooks_through_the_standby_and_kill_9_failover(world: World) -> None:
    a, b = world.start("replica-a"), world.start("replica-b")
    wait_for(lambda: world.holder() in ("replica-a", "replica-b"), 30, "a leader")
    leader, standby = (a, b) if world.holder() == "replica-a" else (b, a)
    wait_for(lambda: leader.leading() == 1.0 and standby.leading() == 0.0, 30, "leader 1, standby 0 in metrics")
    time.sleep(2 * RETRY_SECONDS)
    assert world.holder() == leader.identity  # it stays: exactly one holds the Lease

    # a commit; a badly signed hook to the standby changes nothing, a signed one makes the leader write
    world.push("bindings/canary.yaml", binding("canary", HOTFIX2, 0), "canary first")
    body = b'{"ref": "refs/heads/main"}'
    before = len(world.writes())
    assert standby.post(body, {"X-Signature": "sha256=" + "0" * 64}) == 401
    assert standby.post(body, {}) == 401
    time.sleep(1.5)
    late = world.writes()[before:]
    assert [w for w in late if w.resource != "leases" or standby.identity in w.agent] == []
    assert world.mc_image("99-layering-canary") is None
    posted = time.monotonic()
    assert standby.post(body, {"X-Signature": signature(SECRET, body)}) == 202
    while world.mc_image("99-layering-canary") != HOTFIX2 and time.monotonic() - posted < 5:
        time.sleep(0.02)
    hook_latency = time.monotonic() - posted
    assert hook_latency <= 2.0, f"canary MC written {hook_latency:.2f}s after the hook (goal: within 2 s)"

    # the worker stage waits for the canary; kill -9 the leader while the canary rolls out
    world.push("bindings/worker.yaml", binding("worker", HOTFIX1, 1), "then worker")
    assert standby.post(body, {"X-Signature": signature(SECRET, body)}) == 202
    time.sleep(1.0)
    assert world.mc_image("99-layering-worker") is None  # the canary is not done yet
    leader.kill()
    killed = time.monotonic()
    wait_for(lambda: world.holder() == standby.identity, LEASE_SECONDS + 2 * RETRY_SECONDS + 2, "failover")
    failover = time.monotonic() - killed
    wait_for(lambda: world.pool_done("canary", HOTFIX2), 60, "canary rolled out")
    canary_done = time.monotonic()
    wait_for(lambda: world.mc_image("99-layering-worker") == HOTFIX1, 60, "the new leader continues: worker MC")
    assert time.monotonic() - canary_done >= BAKE - 1.5, "worker written before the canary baked"

    worker_writer = [w.agent for w in world.writes()
                     if w.resource == "machineconfigs" and w.name == "99-layering-worker"]
    assert worker_writer == [f"layering-reconciler ({standby.identity})"]

    # the killed replica comes back as standby; kill -9 the new leader while the worker pool rolls out
    back = world.start(leader.identity)
    wait_for(lambda: back.leading() == 0.0, 30, "the restarted replica on standby")
    assert not world.pool_done("worker", HOTFIX1)
    standby.kill()
    wait_for(lambda: world.holder() == back.identity, LEASE_SECONDS + 2 * RETRY_SECONDS + 2, "second failover")
    wait_for(lambda: world.pool_done("worker", HOTFIX1), 60, "worker rolled out")
    assert unauthorized_writes(world.writes()) == []
    print(f"hook → MC written: {hook_latency:.2f}s; failover after kill -9: {failover:.1f}s")
