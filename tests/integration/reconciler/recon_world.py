"""A bindings repository in a temp dir, the simulator in virtual time over HTTP, and the real Reconciler.

`World.converge()` runs reconcile passes and advances simulated time between them, as `sync --wait`
does, until the rollout is done; the tests then look at the cluster through the simulator's store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testkit import git

from mcosim import Simulator
from mcosim.resources import MACHINE_CONFIGS, POOLS
from reconciler.cluster import Cluster
from reconciler.controller.reconcile import PassResult, Reconciler
from reconciler.report import change_line
from reconciler.source import GitSource

STEP = 30.0  # simulated seconds between passes
def binding_yaml(name: str, pool: str, image: str, stage: int = 0) -> str:
    return (
        "apiVersion: layering.gitops.dev/v1alpha1\n"
        "kind: PoolImageBinding\n"
        f"metadata:\n  name: {name}\n"
        f"spec:\n  pool: {pool}\n  osImageURL: {image}\n  stage: {stage}\n"
    )


def policy_yaml(bake: str = "1m", allow_empty: bool = True) -> str:
    return (
        "apiVersion: layering.gitops.dev/v1alpha1\n"
        "kind: LayeringPolicy\n"
        "metadata:\n  name: default\n"
        f"spec:\n  bakeTime: {bake}\n  allowEmpty: {str(allow_empty).lower()}\n"
    )


class BindingsRepo:
    """A git working repository holding layering.yaml and bindings/*.yaml."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        git(path, "init", "--quiet", "--initial-branch=main")

    def write(self, rel: str, content: str) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)

    def remove(self, rel: str) -> None:
        (self.path / rel).unlink()

    def commit(self, message: str) -> str:
        git(self.path, "add", "-A")
        git(self.path, "commit", "--quiet", "--allow-empty", "-m", message)
        return self.head()

    def revert_head(self) -> str:
        git(self.path, "revert", "--no-edit", "HEAD")
        return self.head()

    def head(self) -> str:
        return git(self.path, "rev-parse", "HEAD")


@dataclass
class World:
    sim: Simulator
    cluster: Cluster
    repo: BindingsRepo
    cache: Path
    passes: list[PassResult] = field(default_factory=list)

    def reconciler(self, source: str | None = None) -> Reconciler:
        git_source = GitSource(source or str(self.repo.path), cache_dir=self.cache)
        return Reconciler(git_source, self.cluster, None, self.sim.clock.now)

    def converge(self, limit: float = 4 * 3600.0, source: str | None = None) -> PassResult:
        """Reconcile every STEP simulated seconds until the rollout is done; fail if it halts."""
        reconciler = self.reconciler(source)
        elapsed = 0.0
        while elapsed <= limit:
            result = reconciler.reconcile()
            self.cluster.flush_events()  # sent in the background: let the store show them
            self.passes.append(result)
            assert not result.decision.halted, result.decision.summary
            if result.decision.done:
                return result
            self.sim.advance(STEP)
            elapsed += STEP
        raise AssertionError(f"not done after {limit} simulated seconds: {self.passes[-1].decision.summary}")

    def written(self) -> list[str]:
        return [change_line(c) for result in self.passes for c in result.written]

    # ---- the cluster as the simulator stores it ----------------------------------------------------
    def mc(self, name: str) -> dict[str, Any] | None:
        with self.sim.store.lock:
            return self.sim.store.try_get(MACHINE_CONFIGS, name)

    def mc_names(self) -> set[str]:
        with self.sim.store.lock:
            return {obj["metadata"]["name"] for obj in self.sim.store.items(MACHINE_CONFIGS)}

    def pool(self, name: str) -> dict[str, Any]:
        with self.sim.store.lock:
            return self.sim.store.get(POOLS, name)

    def target_config(self, pool: str) -> str:
        return str(self.pool(pool)["spec"]["configuration"]["name"])

    def rendered_image(self, pool: str) -> str:
        rendered = self.mc(self.target_config(pool))
        assert rendered is not None
        return str(rendered["spec"].get("osImageURL", ""))

    def booted(self, pool: str) -> set[str]:
        return {self.sim.booted_image(node) for node in self.sim.nodes_of(pool)}

    def settled_on(self, pool: str, image: str) -> bool:
        """The pool targets a rendered config carrying `image`, is Updated on it and every node booted it."""
        with self.sim.store.lock:
            updated = self.sim.pool_updated(pool)
        return updated and self.rendered_image(pool) == image and self.booted(pool) == {image}
