"""Kill -9 `reconciler run` at random moments of a two-stage roll-out and of a removal, restart it each
time (also while "its own" canary node reboots), and compare the writes with an uninterrupted run."""

from __future__ import annotations

import json
import random
import subprocess
import time
import urllib.error
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rkill_support import Runner, SimProcess, WriteLog, environment
from testkit import HOTFIX1, HOTFIX2

pytestmark = [pytest.mark.slow, pytest.mark.timeout(480)]

SPEED = 60.0  # a node drains, rebases and reboots in about four seconds
BAKE = 4.0  # wall seconds: `reconciler run` keeps wall time
PHASE_LIMIT = 180.0
POLICY = f"""apiVersion: layering.gitops.dev/v1alpha1
kind: LayeringPolicy
metadata: {{name: default}}
spec: {{bakeTime: {int(BAKE)}s, onDegraded: halt, allowEmpty: true, registries: [quay.io/my-registry/]}}
"""
EXPECTED = [
    f"ADDED 99-layering-canary {HOTFIX2}",
    f"ADDED 99-layering-worker {HOTFIX1}",
    "DELETED 99-layering-canary",
    "DELETED 99-layering-worker",
]


def binding(pool: str, image: str, stage: int) -> str:
    return (f"apiVersion: layering.gitops.dev/v1alpha1\nkind: PoolImageBinding\nmetadata: {{name: {pool}-image}}\n"
            f"spec: {{pool: {pool}, osImageURL: '{image}', stage: {stage}}}\n")


class Scenario:
    """One cluster, one bindings repository, one recorded write log."""

    def __init__(self, tmp: Path) -> None:
        self.env = environment(tmp / "home")
        self.sim = SimProcess(tmp, self.env, SPEED)
        self.repo = tmp / "bindings"
        (self.repo / "bindings").mkdir(parents=True)
        self.git("init", "--quiet", "--initial-branch=main")
        (self.repo / "layering.yaml").write_text(POLICY)
        (self.repo / "bindings" / "canary.yaml").write_text(binding("canary", HOTFIX2, 0))
        (self.repo / "bindings" / "worker.yaml").write_text(binding("worker", HOTFIX1, 1))
        self.commit("canary (stage 0), then worker (stage 1)")
        self.log = WriteLog(self.sim).start()
        logs = tmp / "runs"
        logs.mkdir()
        self.runner = Runner(self.repo, self.sim.kubeconfig, self.env, logs)
        self.own_node = next(n["metadata"]["name"] for n in self.sim.get("/api/v1/nodes")["items"]
                             if "node-role.kubernetes.io/canary" in n["metadata"].get("labels", {}))
        osimageurl = "/api/v1/namespaces/openshift-machine-config-operator/configmaps/machine-config-osimageurl"
        self.base = str(self.sim.get(osimageurl)["data"]["baseOSContainerImage"])

    def git(self, *args: str) -> None:
        subprocess.run(["git", *args], cwd=self.repo, env=self.env, check=True, capture_output=True)

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "--quiet", "-m", message)

    def close(self) -> None:
        self.runner.stop()
        self.log.stop()
        self.sim.stop()

    # ---- what the cluster shows ------------------------------------------------------------------
    def memory(self) -> dict[str, Any]:
        """The reconciler's persisted rollout memory ({} before its first save)."""
        try:
            cm = self.sim.get("/api/v1/namespaces/layering-reconciler/configmaps/layering-reconciler-state")
        except urllib.error.HTTPError as err:
            assert err.code == 404, err
            return {}
        return dict(json.loads((cm.get("data") or {}).get("state.json", "{}")))

    def own_node_ready(self) -> bool:
        node = self.sim.get(f"/api/v1/nodes/{self.own_node}")
        return any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"].get("conditions", []))

    def rolled_out(self) -> bool:
        pools = self.memory().get("pools") or {}
        return all(pools.get(p, {}).get("doneAt") for p in ("canary", "worker"))

    def removed(self) -> bool:
        names = {c.name for c in self.log.changes}
        gone = all(self.log.written(n)[-1].kind == "DELETED" for n in names) and len(names) == 2
        return gone and self.memory().get("pools") == {} and self.pools_on(self.base)

    def pools_on(self, image: str) -> bool:
        pools = self.sim.get("/apis/machineconfiguration.openshift.io/v1/machineconfigpools")["items"]
        for pool in (p for p in pools if p["metadata"]["name"] in ("canary", "worker")):
            current = (pool["status"].get("configuration") or {}).get("name", "")
            if current != pool["spec"]["configuration"]["name"] or self.log.rendered_images.get(current) != image:
                return False
        return True

    # ---- driving the reconciler ------------------------------------------------------------------
    def run_phase(self, converged: Callable[[], bool], rng: random.Random | None) -> None:
        """Run the reconciler until `converged`; with `rng`, SIGKILL and restart it at random moments."""
        deadline = time.monotonic() + PHASE_LIMIT
        self.runner.start()
        while not converged():
            assert time.monotonic() < deadline, f"did not converge; writes so far: {self.log.changes}"
            if rng is None:
                time.sleep(0.2)
                continue
            self._live_then_kill(rng.uniform(0.8, 3.0), rng.random() < 0.5, converged)

    def _live_then_kill(self, seconds: float, after_a_pass: bool, converged: Callable[[], bool]) -> None:
        """Kill `seconds` after the start; with `after_a_pass`, not before the run's first log line, so
        that half of the runs make progress even where starting alone takes longer (a loaded machine)."""
        until = time.monotonic() + seconds
        while time.monotonic() < until or (after_a_pass and not self.runner.has_logged()):
            if not self.own_node_ready():  # the node it runs on reboots: it dies with it
                self.runner.kill("own node rebooting")
                while not self.own_node_ready():
                    time.sleep(0.1)
                self.runner.start()
                return
            time.sleep(0.1)
        if not converged():
            self.runner.kill("random")
            self.runner.start()

    def quiet_after(self, seconds: float) -> None:
        """The converged reconciler keeps passing: nothing more is written."""
        before = list(self.log.changes)
        time.sleep(seconds)
        assert self.log.changes == before
        self.runner.stop()


def play(tmp: Path, rng: random.Random | None) -> Scenario:
    scenario = Scenario(tmp)
    try:
        scenario.run_phase(scenario.rolled_out, rng)
        scenario.quiet_after(2.5)
        (scenario.repo / "bindings" / "canary.yaml").unlink()
        (scenario.repo / "bindings" / "worker.yaml").unlink()
        scenario.commit("back to the base image")
        scenario.run_phase(scenario.removed, rng)
        scenario.quiet_after(2.5)
    finally:
        scenario.close()
    return scenario


def assert_stage_order(scenario: Scenario) -> None:
    """Worker is written only once canary is updated and has baked, for the roll-out and the removal."""
    log = scenario.log
    canary_on_own = log.first_updated_on("canary", HOTFIX2)
    worker_added = log.written("99-layering-worker")[0]
    assert canary_on_own is not None and worker_added.kind == "ADDED"
    assert worker_added.at >= canary_on_own + BAKE - 0.5
    canary_deleted = log.written("99-layering-canary")[-1]
    canary_inherits = log.first_updated_on("canary", HOTFIX1)  # without its own MC it inherits worker's
    worker_deleted = log.written("99-layering-worker")[-1]
    assert canary_inherits is not None and canary_deleted.at < canary_inherits
    assert worker_deleted.kind == "DELETED" and worker_deleted.at >= canary_inherits + BAKE - 0.5


def test_kill_9_anywhere_changes_neither_outcome_nor_order_of_writes(tmp_path: Path) -> None:
    baseline = play(tmp_path / "uninterrupted", None)
    assert [str(c) for c in baseline.log.changes] == EXPECTED
    assert_stage_order(baseline)
    assert baseline.runner.starts == 2 and baseline.runner.failures() == []

    killed = play(tmp_path / "killed", random.Random(20260101))
    assert [str(c) for c in killed.log.changes] == [str(c) for c in baseline.log.changes]
    assert_stage_order(killed)
    # fewer kills where every start is slower (19 seen in a CI run against a former bound of 20): the
    # bound says the kills kept coming through both phases, not how fast this machine is
    assert len(killed.runner.kills) >= 15, killed.runner.kills
    assert "own node rebooting" in killed.runner.kills
    assert killed.runner.failures() == []
