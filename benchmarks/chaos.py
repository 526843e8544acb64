"""Chaos run: staged rollouts and removals on the simulator under API faults, kill -9s and rivals.

    .venv/bin/python benchmarks/chaos.py [--minutes 30] [--seed N] [--fault-rate 0.1] [--speed 600]

A simulated cluster (real clock at `--speed`, served over HTTP) and a real git repository of bindings
cycle through three commits: canary (stage 0) and worker (stage 1) on one image; canary's binding
removed and worker moved to another image; every binding removed. Meanwhile:
- API faults on every request: 500, 409, 429, added latency and dropped connections (`/sim/faults`);
- the primary reconciler (in this process) runs through `CrashingCluster`, which kills its pass
  before or after a random write (memory saves included), as kill -9 would; it then restarts fresh;
- a second reconciler (in a thread) passes concurrently, on and off;
- `reconciler run` subprocesses start now and then and are killed with SIGKILL after a few seconds.
A commit counts as converged when the cluster (read from the simulator's store, not through the
faulty API) carries exactly the commit's MachineConfigs, every pool runs its image on every node and
a pass reports done. The simulator's write log (mcosim.audit) then proves what no client ever did.
Prints the figures; exit 1 if any invariant broke (or a commit did not converge in time).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from testkit import HOTFIX1, HOTFIX2, Crash, CrashingCluster, Moment, git  # noqa: E402

from mcosim import SimConfig, Simulator  # noqa: E402
from mcosim.audit import Write, WriteLog  # noqa: E402
from mcosim.resources import CONFIGMAPS, MACHINE_CONFIGS, POOLS  # noqa: E402
from reconciler.cluster import Cluster, RequestPolicy  # noqa: E402
from reconciler.controller.reconcile import Reconciler  # noqa: E402
from reconciler.errors import ReconcilerError  # noqa: E402
from reconciler.model import MANAGED_BY_LABEL, MANAGED_BY_VALUE  # noqa: E402
from reconciler.rollout import Memory  # noqa: E402
from reconciler.source import GitSource  # noqa: E402

POOL_NAMES = ("canary", "worker")
OURS = "99-layering-"
STATE = ("layering-reconciler", "layering-reconciler-state")
BAKE = 2.0  # seconds (wall: the reconciler measures bake time on its own clock)
FAST = RequestPolicy(connect_timeout=2.0, read_timeout=10.0, read_attempts=2, retry_delay=0.05)
Intent = dict[str, tuple[str, int]]  # pool -> (image, stage)
COMMITS: tuple[tuple[str, Intent], ...] = (
    ("staged rollout", {"canary": (HOTFIX1, 0), "worker": (HOTFIX1, 1)}),
    ("remove canary, update worker", {"worker": (HOTFIX2, 1)}),
    ("remove every binding", {}),
)


@dataclass
class Figures:
    seconds: float = 0.0
    commits: int = 0
    converged: int = 0
    passes: Counter[str] = field(default_factory=Counter)  # outcome -> count
    kills_mid_pass: int = 0
    kills_subprocess: int = 0
    rival_passes: int = 0
    api_writes: int = 0
    foreign_writes: list[str] = field(default_factory=list)
    rendered_deleted: list[str] = field(default_factory=list)
    order_violations: list[str] = field(default_factory=list)
    memory_problems: list[str] = field(default_factory=list)
    not_converged: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)  # unexpected exceptions in a pass
    convergence_seconds: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.foreign_writes or self.rendered_deleted or self.order_violations
                    or self.memory_problems or self.not_converged or self.crashes)  # fmt: skip

    def lines(self) -> list[str]:
        worst = max(self.convergence_seconds, default=0.0)
        return [
            f"duration: {self.seconds:.0f} s, commits: {self.commits}, converged: {self.converged}"
            f" (slowest {worst:.1f} s)",
            "passes: " + ", ".join(f"{k} {v}" for k, v in sorted(self.passes.items())),
            f"kill -9: {self.kills_mid_pass} mid-pass (CrashingCluster), {self.kills_subprocess} of "
            f"`reconciler run` (SIGKILL); rival passes: {self.rival_passes}",
            f"API writes logged: {self.api_writes}",
            f"foreign writes: {len(self.foreign_writes)}",
            f"rendered MachineConfigs deleted: {len(self.rendered_deleted)}",
            f"stage-order violations: {len(self.order_violations)}",
            f"memory inconsistencies: {len(self.memory_problems)}",
            f"not converged: {len(self.not_converged)}, unexpected errors: {len(self.crashes)}",
            *[f"  ! {p}" for p in (self.foreign_writes + self.rendered_deleted + self.order_violations
                                   + self.memory_problems + self.not_converged + self.crashes)[:20]],
        ]  # fmt: skip


# ---- the repository ----------------------------------------------------------------------------------
def policy_text() -> str:
    return (
        "apiVersion: layering.gitops.dev/v1alpha1\nkind: LayeringPolicy\nmetadata: {name: default}\n"
        f"spec: {{bakeTime: {int(BAKE)}s, allowEmpty: true, registries: [quay.io/my-registry/]}}\n"
    )


def commit(repo: Path, message: str, intent: Intent) -> None:
    (repo / "layering.yaml").write_text(policy_text())
    bindings = repo / "bindings"
    bindings.mkdir(exist_ok=True)
    for old in bindings.glob("*.yaml"):
        old.unlink()
    for pool, (image, stage) in intent.items():
        (bindings / f"{pool}.yaml").write_text(
            "apiVersion: layering.gitops.dev/v1alpha1\nkind: PoolImageBinding\n"
            f"metadata: {{name: {pool}-image}}\nspec: {{pool: {pool}, osImageURL: '{image}', stage: {stage}}}\n"
        )
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)


# ---- reconcilers ---------------------------------------------------------------------------------------
@dataclass
class Process:
    """An in-process reconciler: its own connection, clone cache and (empty) memory, like a process."""

    kubeconfig: Path
    repo: Path
    cache: Path
    cluster: Cluster = field(init=False)
    reconciler: Reconciler = field(init=False)

    def __post_init__(self) -> None:
        self.cluster = Cluster.connect(str(self.kubeconfig), policy=FAST)
        self.reconciler = Reconciler(GitSource(str(self.repo), cache_dir=self.cache), self.cluster)

    def close(self) -> None:
        self.cluster.close()


def one_pass(process: Process, crash_at: int | None, moment: Moment, figures: Figures) -> bool | None:
    """A pass through CrashingCluster; True = done, False = not yet, None = killed mid-pass."""
    port = CrashingCluster(process.cluster, crash_at=crash_at, moment=moment)
    reconciler = Reconciler(process.reconciler.source, port)
    try:
        done = reconciler.reconcile().decision.done
    except Crash:
        figures.kills_mid_pass += 1
        return None
    except ReconcilerError as exc:
        figures.passes[type(exc).__name__] += 1
        return False
    except Exception:  # any other exception is a defect: record it, keep going
        figures.crashes.append(traceback.format_exc(limit=3).strip().replace("\n", " | "))
        return False
    figures.passes["ok"] += 1
    return done


class Rival(threading.Thread):
    """A second reconciler passing concurrently while `active` is set."""

    def __init__(self, process: Process, figures: Figures) -> None:
        super().__init__(name="rival-reconciler", daemon=True)
        self.process, self.figures = process, figures
        self.active, self.stopped = threading.Event(), threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            if self.active.wait(0.2):
                one_pass(self.process, None, Moment.BEFORE, self.figures)
                self.figures.rival_passes += 1
                time.sleep(0.1)


@dataclass
class Subprocesses:
    kubeconfig: Path
    repo: Path
    tmp: Path
    figures: Figures
    current: subprocess.Popen[bytes] | None = None
    kill_at: float = 0.0
    started: int = 0

    def tick(self, rng: random.Random) -> None:
        now = time.monotonic()
        if self.current is not None and now >= self.kill_at:
            if self.current.poll() is None:
                os.killpg(self.current.pid, signal.SIGKILL)
                self.figures.kills_subprocess += 1
            self.current.wait(timeout=30)
            self.current = None
        elif self.current is None and rng.random() < 0.05:
            self.started += 1
            log = (self.tmp / f"run-{self.started:03d}.log").open("wb")
            env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(self.tmp / "home")}
            env.pop("KUBECONFIG", None)
            command = [sys.executable, "-m", "reconciler", "run", "--repo", str(self.repo), "--kubeconfig",
                       str(self.kubeconfig), "--interval", "1s", "--cache-dir", str(self.tmp / "run-cache")]
            self.current = subprocess.Popen(command, cwd=self.tmp, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)  # fmt: skip
            log.close()
            self.kill_at = now + rng.uniform(1.5, 6.0)

    def stop(self) -> None:
        if self.current is not None and self.current.poll() is None:
            os.killpg(self.current.pid, signal.SIGKILL)
            self.current.wait(timeout=30)
        self.current = None


# ---- what the cluster holds (read from the store: the API is faulty on purpose) -------------------------
def expected_images(sim: Simulator, intent: Intent) -> dict[str, str]:
    base = sim.registry.release(sim.config.release).base.ref
    worker = intent.get("worker", (base, 0))[0]
    return {"worker": worker, "canary": intent.get("canary", (worker, 0))[0]}


def converged(sim: Simulator, intent: Intent) -> bool:
    with sim.store.lock:
        ours = {mc["metadata"]["name"]: mc["spec"].get("osImageURL", "")
                for mc in sim.store.items(MACHINE_CONFIGS) if mc["metadata"]["name"].startswith(OURS)}  # fmt: skip
        if ours != {f"{OURS}{pool}": image for pool, (image, _) in intent.items()}:
            return False
        for pool, image in expected_images(sim, intent).items():
            obj = sim.store.get(POOLS, pool)
            target = obj["spec"]["configuration"]["name"]
            status = obj.get("status") or {}
            rendered = sim.store.try_get(MACHINE_CONFIGS, target)
            if (rendered is None or rendered["spec"].get("osImageURL") != image
                    or status.get("configuration", {}).get("name") != target
                    or status.get("updatedMachineCount") != status.get("machineCount")):  # fmt: skip
                return False
    return all(sim.booted_image(n) == image for pool, image in expected_images(sim, intent).items()
               for n in sim.nodes_of(pool))  # fmt: skip


def memory_problems(sim: Simulator, intent: Intent) -> list[str]:
    """The memory ConfigMap once a commit converged: parses, and holds exactly the finished rollouts."""
    import json

    with sim.store.lock:
        cm = sim.store.try_get(CONFIGMAPS, STATE[1], STATE[0])
    try:
        memory = Memory.from_dict(json.loads((cm or {}).get("data", {}).get("state.json", "{}")))
    except ValueError as exc:
        return [f"memory does not parse: {exc}"]
    found = []
    records = {r.pool: r for r in memory.records}
    for pool, (image, _) in intent.items():
        record = records.pop(pool, None)
        if record is None or record.image != image or not record.done:
            found.append(f"memory: {pool} should hold a finished rollout of {image}, holds {record}")
    found += [f"memory: leftover record for {pool}" for pool in records]
    if memory.paused_by_us or memory.failed:
        found.append(f"memory: paused {memory.paused_by_us}, failed {memory.failed}")
    return found


# ---- the write log, judged --------------------------------------------------------------------------------
def owned(obj: dict[str, Any] | None) -> bool:
    return obj is not None and (obj["metadata"].get("labels") or {}).get(MANAGED_BY_LABEL) == MANAGED_BY_VALUE


def judge_writes(writes: list[Write], figures: Figures) -> None:
    for w in writes:
        if w.writer != "api":
            continue
        figures.api_writes += 1
        if w.kind == "MachineConfig" and w.name.startswith("rendered-") and w.type == "DELETED":
            figures.rendered_deleted.append(f"deleted {w.key}")
        if not allowed(w):
            figures.foreign_writes.append(f"{w.type} {w.key}")


def allowed(w: Write) -> bool:
    """What a reconciler may write: its MachineConfigs (ours before and after), its ConfigMap and
    namespace, Events."""
    if w.kind == "Event":
        return True
    if w.kind == "MachineConfig":
        return w.name.startswith(OURS) and all(owned(o) for o in (w.before, w.after) if o is not None)
    if w.kind == "ConfigMap":
        return (w.namespace, w.name) == STATE
    return w.kind == "Namespace" and w.name == STATE[0] and w.type == "ADDED"


def image_of(obj: dict[str, Any] | None) -> str | None:
    return None if obj is None else str((obj.get("spec") or {}).get("osImageURL", ""))


def judge_order(sim: Simulator, writes: list[Write], old: Intent, new: Intent, figures: Figures, label: str) -> None:
    """No pool's change starts before every changed pool of a lower stage was updated and baked.

    A lower-stage pool is settled once every machine runs a render carrying the image it should have
    with its own stage (and the stages below it) applied: at once, if its change alters no render."""
    stage = {pool: s for pool, (_, s) in old.items()} | {pool: s for pool, (_, s) in new.items()}
    changed = {p for p in set(old) | set(new) if old.get(p, ("", 0))[0] != new.get(p, ("", 0))[0]}
    want = {q: expected_images(sim, applied_up_to(old, new, changed, stage, stage[q]))[q] for q in changed}
    starts: set[str] = set()
    settled: dict[str, float] = {}
    last: dict[str, dict[str, Any]] = {}

    def settle(pool: str, at: float) -> None:
        if pool in starts and pool not in settled and pool in last and runs_image(sim, last[pool], want[pool]):
            settled[pool] = at

    for w in writes:
        if w.kind == "MachineConfigPool" and w.after is not None:
            last[w.name] = w.after
            settle(w.name, w.at)
        if w.writer != "api" or w.kind != "MachineConfig" or not w.name.startswith(OURS):
            continue
        pool = w.name.removeprefix(OURS)
        if image_of(w.before) == image_of(w.after) or pool in starts or pool not in changed:
            continue  # metadata only (goes out without gates, nothing reboots), or a repeat
        starts.add(pool)
        for lower in sorted(q for q in changed if stage[q] < stage[pool]):
            if lower not in settled:
                figures.order_violations.append(f"{label}: {pool} started before stage-{stage[lower]} {lower} settled")
            elif w.at < settled[lower] + BAKE:
                figures.order_violations.append(
                    f"{label}: {pool} started {w.at - settled[lower]:.2f}s after {lower} settled (bake {BAKE}s)")
        settle(pool, w.at)


def applied_up_to(old: Intent, new: Intent, changed: set[str], stage: dict[str, int], upto: int) -> Intent:
    partial = dict(old)
    for pool in changed:
        if stage[pool] <= upto:
            if pool in new:
                partial[pool] = new[pool]
            else:
                partial.pop(pool, None)
    return partial


def runs_image(sim: Simulator, pool: dict[str, Any], image: str) -> bool:
    target = (pool.get("spec") or {}).get("configuration", {}).get("name", "")
    status = pool.get("status") or {}
    with sim.store.lock:
        rendered = sim.store.try_get(MACHINE_CONFIGS, target)
    return (rendered is not None and rendered["spec"].get("osImageURL") == image
            and status.get("configuration", {}).get("name") == target
            and status.get("updatedMachineCount") == status.get("machineCount"))  # fmt: skip


# ---- the run ----------------------------------------------------------------------------------------------
def add_faults(sim: Simulator, rate: float) -> None:
    faults = sim.api.faults
    for verb in ("create", "update", "patch", "delete"):
        faults.add(verb=verb, status=500, rate=rate / 2)
        faults.add(verb=verb, status=409, rate=rate / 2)
    for verb in ("get", "list"):
        faults.add(verb=verb, status=429, rate=rate / 4)
        faults.add(verb=verb, status=500, rate=rate / 4)
    faults.add(latency=0.05, rate=rate)
    faults.add(drop=True, rate=rate / 4)


def run(minutes: float, seed: int, fault_rate: float, speed: float, phase_limit: float = 120.0) -> Figures:
    rng = random.Random(seed)
    figures = Figures()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="layering-chaos-") as tmp_text:
        tmp = Path(tmp_text)
        repo = tmp / "bindings"
        repo.mkdir()
        git(repo, "init", "--quiet", "--initial-branch=main")
        config = SimConfig(clock="real", speed=speed, pools={"canary": 1}, workers=2, masters=1, seed=seed)
        with Simulator(config) as sim:
            log = WriteLog.attach(sim.store, keep=frozenset({"MachineConfig", "MachineConfigPool", "ConfigMap"}))
            kubeconfig = sim.write_kubeconfig(tmp / "kubeconfig")
            add_faults(sim, fault_rate)
            primary = Process(kubeconfig, repo, tmp / "cache-a")
            rival = Rival(Process(kubeconfig, repo, tmp / "cache-b"), figures)
            rival.start()
            runs = Subprocesses(kubeconfig, repo, tmp, figures)
            previous: Intent = {}
            try:
                index = 0
                while time.monotonic() - started < minutes * 60 or index % len(COMMITS):
                    label, intent = COMMITS[index % len(COMMITS)]
                    index += 1
                    mark = len(log)
                    commit(repo, label, intent)
                    figures.commits += 1
                    took = drive(sim, primary, rival, runs, intent, rng, figures, phase_limit)
                    runs.stop()
                    rival.active.clear()
                    time.sleep(0.5)  # let a rival pass in flight finish before judging
                    if took is None:
                        figures.not_converged.append(f"commit {figures.commits} ({label}) within {phase_limit:.0f}s")
                        break
                    figures.converged += 1
                    figures.convergence_seconds.append(took)
                    judge_order(sim, log.since(mark), previous, intent, figures, f"commit {figures.commits} ({label})")
                    figures.memory_problems += memory_problems(sim, intent)
                    previous = intent
                    primary.close()
                    primary = Process(kubeconfig, repo, tmp / "cache-a")
            finally:
                runs.stop()
                rival.stopped.set()
                rival.join(timeout=30)
                primary.close()
                rival.process.close()
                judge_writes(log.since(0), figures)
    figures.seconds = time.monotonic() - started
    return figures


def drive(sim: Simulator, primary: Process, rival: Rival, runs: Subprocesses, intent: Intent,
          rng: random.Random, figures: Figures, limit: float) -> float | None:  # fmt: skip
    """Chaos until the commit converged and a pass says done; the seconds it took, None on timeout."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if rng.random() < 0.1:
            rival.active.set() if not rival.active.is_set() else rival.active.clear()
        runs.tick(rng)
        crash_at = rng.randint(1, 3) if rng.random() < 0.5 else None
        moment = rng.choice((Moment.BEFORE, Moment.AFTER))
        outcome = one_pass(primary, crash_at, moment, figures)
        if outcome is None:  # killed: a new process with nothing in memory
            primary.close()
            primary.__post_init__()
        elif outcome and converged(sim, intent):
            return time.monotonic() - started
        time.sleep(rng.uniform(0.05, 0.3))
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="how long to keep cycling commits")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    parser.add_argument("--fault-rate", type=float, default=0.1, help="share of API requests faulted (0..1)")
    parser.add_argument("--speed", type=float, default=600.0, help="simulated seconds per wall second")
    args = parser.parse_args()
    print(f"chaos run: {args.minutes} min, seed {args.seed}, fault rate {args.fault_rate}, speed {args.speed}")
    figures = run(args.minutes, args.seed, args.fault_rate, args.speed)
    print("\n".join(figures.lines()))
    print("result: OK" if figures.ok else "result: INVARIANT BROKEN")
    return 0 if figures.ok else 1


if __name__ == "__main__":
    sys.exit(main())
