"""The real Reconciler over HTTP against an in-process simulated cluster in virtual time.

A `RolloutWorld` holds a simulator (virtual clock, a one-node canary pool besides the three
workers), a real git repository of bindings and a Reconciler whose clock is the simulator's.
`step()` is one pass followed by `sim.advance(...)`; every write of a pass is logged so tests can
assert on the order of writes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from testkit import GIT_ENV, git

from mcosim import SimConfig, Simulator
from mcosim.resources import MACHINE_CONFIGS, POOLS
from reconciler.cluster import Cluster, ClusterPort, RequestPolicy
from reconciler.controller.reconcile import PassResult, Reconciler
from reconciler.errors import ReconcilerError
from reconciler.report import change_line
from reconciler.rollout import Phase, PoolProgress
from reconciler.source import GitSource

REPO_ROOT = Path(__file__).resolve().parents[3]
FAST = RequestPolicy(connect_timeout=2.0, read_timeout=10.0, read_attempts=2, retry_delay=0.05)


# ---- the bindings repository ---------------------------------------------------------------------
def binding_yaml(pool: str, image: str, stage: int = 0, window: str | None = None) -> str:
    lines = [
        "apiVersion: layering.gitops.dev/v1alpha1",
        "kind: PoolImageBinding",
        "metadata:",
        f"  name: {pool}-image",
        "spec:",
        f"  pool: {pool}",
        f"  osImageURL: {image}",
        f"  stage: {stage}",
    ]
    if window is not None:
        lines.append(f"  window: {window}")
    return "\n".join(lines) + "\n"


def policy_yaml(
    bake: str = "10m",
    on_degraded: str = "halt",
    stall: str = "1h",
    overrun: str = "finish",
    windows: tuple[tuple[str, str, str], ...] = (),
) -> str:
    """windows: (name, cron schedule in UTC, duration)."""
    lines = [
        "apiVersion: layering.gitops.dev/v1alpha1",
        "kind: LayeringPolicy",
        "metadata:",
        "  name: default",
        "spec:",
        f"  bakeTime: {bake}",
        f"  onDegraded: {on_degraded}",
        f"  stallTimeout: {stall}",
        f"  overrun: {overrun}",
        "  allowEmpty: true",
        "  registries: [quay.io/my-registry/]",
    ]
    if windows:
        lines.append("  windows:")
        lines += [f'    - {{name: {n}, schedule: "{s}", duration: {d}, timeZone: UTC}}' for n, s, d in windows]
    return "\n".join(lines) + "\n"


class BindingsRepo:
    """A real git repository: write the policy and per-pool binding files, commit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        git(path, "init", "--quiet", "--initial-branch=main")

    def policy(self, text: str) -> None:
        (self.path / "layering.yaml").write_text(text)

    def bind(self, pool: str, image: str, stage: int = 0, window: str | None = None) -> None:
        target = self.path / "bindings" / f"{pool}.yaml"
        target.parent.mkdir(exist_ok=True)
        target.write_text(binding_yaml(pool, image, stage, window))

    def unbind(self, pool: str) -> None:
        (self.path / "bindings" / f"{pool}.yaml").unlink()

    def commit(self, message: str) -> str:
        git(self.path, "add", "-A")
        git(self.path, "commit", "--quiet", "--allow-empty", "-m", message)
        return git(self.path, "rev-parse", "HEAD")


# ---- the world -----------------------------------------------------------------------------------
@dataclass
class RolloutWorld:
    sim: Simulator
    repo: BindingsRepo
    kubeconfig: Path
    cluster: Cluster
    reconciler: Reconciler
    passes: list[PassResult] = field(default_factory=list)
    writes: list[tuple[float, str]] = field(default_factory=list)  # (sim time, what a pass wrote)

    def step(self, advance: float = 30.0) -> PassResult:
        """One reconcile pass (its writes logged), then `advance` simulated seconds."""
        result = self.reconciler.reconcile()
        self.passes.append(result)
        self.writes += [(self.now, change_line(c)) for c in result.written]
        assert self.sim.engine.errors == []
        if advance:
            self.sim.advance(advance)
        return result

    def drive(self, until: Callable[[PassResult], bool], limit: float, advance: float = 30.0) -> PassResult:
        """Pass, advance, … until `until(result)` holds; fails after `limit` simulated seconds."""
        deadline = self.now + limit
        while True:
            result = self.step(advance=0)
            if until(result):
                return result
            assert self.now < deadline, f"not reached within {limit}s: {result.decision.summary}"
            self.sim.advance(advance)

    @property
    def now(self) -> float:
        return self.sim.clock.now()

    def use(self, port: ClusterPort) -> None:
        """Run the passes through `port` (a wrapper around this world's cluster, say)."""
        self.reconciler = replace(self.reconciler, cluster=port)

    def restart(self) -> Cluster:
        """A new reconciler process: a fresh connection and nothing kept in memory but the cluster."""
        self.cluster.close()
        self.cluster = Cluster.connect(str(self.kubeconfig), policy=FAST)
        self.use(self.cluster)
        return self.cluster

    def progress(self, result: PassResult, pool: str) -> PoolProgress:
        found = result.decision.pool(pool)
        assert found is not None, f"no progress for {pool}: {result.decision.summary}"
        return found

    # ---- what the cluster holds ------------------------------------------------------------------
    def our_image(self, pool: str) -> str | None:
        """The osImageURL of our MC for `pool` (None: absent)."""
        with self.sim.store.lock:
            mc = self.sim.store.try_get(MACHINE_CONFIGS, f"99-layering-{pool}")
        return None if mc is None else str(mc["spec"].get("osImageURL", ""))

    def booted(self, pool: str) -> set[str]:
        return {self.sim.booted_image(n) for n in self.sim.nodes_of(pool)}

    def pool_spec(self, pool: str) -> dict[str, Any]:
        with self.sim.store.lock:
            return dict(self.sim.store.get(POOLS, pool)["spec"])

    def wrote(self, fragment: str) -> list[tuple[float, str]]:
        return [(t, w) for t, w in self.writes if fragment in w]

    def cli(self, *args: str, columns: int = 400) -> subprocess.CompletedProcess[str]:
        """The reconciler CLI as a subprocess, against this world's kubeconfig (a wide terminal)."""
        command = [sys.executable, "-m", "reconciler", *args, "--kubeconfig", str(self.kubeconfig)]
        env = {**os.environ, **GIT_ENV, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": str(columns)}
        return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=self.repo.path)


@dataclass(frozen=True)
class WorldOptions:
    pools: dict[str, int] = field(default_factory=lambda: {"canary": 1})
    workers: int = 3
    release: str = "4.16.3"  # no MachineConfigNodes; "4.19.0" has v1 ones


def open_world(tmp: Path, options: WorldOptions | None = None) -> Generator[RolloutWorld, None, None]:
    """A started world; stops the simulator (and asserts its controllers never failed) afterwards."""
    options = options or WorldOptions()
    config = SimConfig(
        clock="virtual", pools=dict(options.pools), workers=options.workers, masters=1, release=options.release
    )
    with Simulator(config) as sim:
        kubeconfig = sim.write_kubeconfig(tmp / "kubeconfig")
        cluster = Cluster.connect(str(kubeconfig), policy=FAST)
        repo = BindingsRepo(tmp / "bindings")
        source = GitSource(str(repo.path), cache_dir=tmp / "cache")
        reconciler = Reconciler(source, cluster, clock=sim.clock.now)
        world = RolloutWorld(sim, repo, kubeconfig, cluster, reconciler)
        try:
            yield world
        finally:
            world.cluster.close()
        assert sim.errors == []


def halted_or_failed(result: PassResult) -> bool:
    return result.decision.halted


def is_done(result: PassResult) -> bool:
    return result.decision.done


def phase_of(world: RolloutWorld, result: PassResult, pool: str) -> Phase:
    return world.progress(result, pool).phase


RELEASES = ["4.16.3", "4.19.0"]  # without MachineConfigNodes, with v1 ones: see conftest.py

__all__ = ["RELEASES", "ReconcilerError"]
