"""The reconciler as deploy/ runs it, holding only the ServiceAccount's rights, on a simulator that
enforces them: `reconciler run` with the Deployment's own command, environment and mounts completes a
staged rollout and a removal, and the reconciler's passes complete an `overrun: pause`, all without one 403."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rbac_world import (
    NAMESPACE,
    denials,
    install,
    pod_command,
    pod_environment,
    sa_kubeconfig,
    supported_run_flags,
    token_of,
    volume_paths,
)
from testkit import BASE_4163, GIT_ENV, HOTFIX1, HOTFIX2, git

from mcosim import SimConfig, Simulator
from mcosim.resources import BY_KIND, CONFIGMAPS, EVENTS, MACHINE_CONFIGS, POOLS
from reconciler.cluster import Cluster, RequestPolicy
from reconciler.controller.reconcile import PassResult, Reconciler
from reconciler.source import GitSource

FAST = RequestPolicy(connect_timeout=2.0, read_timeout=10.0, read_attempts=2, retry_delay=0.05)
DEPLOYMENT, CONFIG = "layering-reconciler", "layering-reconciler-config"


def binding(pool: str, image: str, stage: int, window: str | None = None) -> str:
    text = (f"apiVersion: layering.gitops.dev/v1alpha1\nkind: PoolImageBinding\nmetadata:\n  name: {pool}-image\n"
            f"spec:\n  pool: {pool}\n  osImageURL: {image}\n  stage: {stage}\n")
    return text + (f"  window: {window}\n" if window else "")


def policy(overrun: str = "finish", window: str = "") -> str:
    text = ("apiVersion: layering.gitops.dev/v1alpha1\nkind: LayeringPolicy\nmetadata:\n  name: default\n"
            f"spec:\n  bakeTime: 0s\n  allowEmpty: true\n  overrun: {overrun}\n")
    return text + (f"  windows:\n    - {{name: short, schedule: \"{window}\", duration: 5m, timeZone: UTC}}\n"
                   if window else "")


def commit(repo: Path, files: dict[str, str | None], message: str) -> None:
    for rel, content in files.items():
        target = repo / rel
        if content is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", message)


def pool_on(sim: Simulator, pool: str, image: str) -> bool:
    """Updated on a target rendered config carrying `image`, every machine updated."""
    with sim.store.lock:
        obj = sim.store.get(POOLS, pool)
        target = obj["spec"]["configuration"]["name"]
        rendered = sim.store.try_get(MACHINE_CONFIGS, target) or {}
    status = obj.get("status") or {}
    updated = any(c["type"] == "Updated" and c["status"] == "True" for c in status.get("conditions", []))
    return (updated and (status.get("configuration") or {}).get("name") == target
            and rendered.get("spec", {}).get("osImageURL") == image
            and status.get("updatedMachineCount") == status.get("machineCount"))


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}:\n{log.read_text()[-3000:]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def scaled_sim() -> Iterator[Simulator]:
    config = SimConfig(speed=300.0, masters=1, workers=2, pools={"canary": 1}, tls_port=0)
    with Simulator(config) as started:
        yield started
        assert started.engine.errors == []


def test_run_as_deployed_rolls_out_in_stages_and_removes_with_no_403(scaled_sim: Simulator, tmp_path: Path) -> None:
    sim = scaled_sim
    repo = tmp_path / "bindings"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit(repo, {"layering.yaml": policy(), "bindings/canary.yaml": binding("canary", HOTFIX1, 0),
                  "bindings/worker.yaml": binding("worker", HOTFIX2, 1)}, "canary first, then worker")
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(repo), str(remote))

    install(sim)  # deploy/, then the user's configuration edit (docs/install.md step 1)
    with sim.store.lock:
        sim.store.modify(CONFIGMAPS, CONFIG, lambda cm: cm["data"].update(
            LAYERING_REPO=remote.as_uri(), LAYERING_INTERVAL="1s"), NAMESPACE)
        deployment = sim.store.get(BY_KIND["Deployment"], DEPLOYMENT, NAMESPACE)
        config = dict(sim.store.get(CONFIGMAPS, CONFIG, NAMESPACE)["data"])
    mounts = {path: tmp_path / "pod" / path.strip("/").replace("/", "-") for path in volume_paths(deployment)}
    for local in mounts.values():
        local.mkdir(parents=True)
    env = pod_environment(deployment, {CONFIG: config}, mounts)
    supported = supported_run_flags()
    _, not_yet = pod_command(deployment, env, supported)
    assert {"--repo", "--ref", "--interval", "--metrics-port", "--cache-dir"} <= supported
    assert set(not_yet) <= {"--namespace", "--log-format"}, not_yet  # settable by env only once supported
    kubeconfig = sa_kubeconfig(sim, tmp_path / "sa.kubeconfig", token_of(sim))
    base = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "GIT_TOKEN", "HOME")}
    process_env = {**base, **GIT_ENV, **env, "KUBECONFIG": str(kubeconfig), "GIT_TERMINAL_PROMPT": "0"}
    assert env["LAYERING_METRICS_PORT"] == "8080" and env["HOME"] == str(mounts["/tmp"])
    env["LAYERING_METRICS_PORT"] = str(free_port())  # a pod has its own network namespace; this host does not
    argv, _ = pod_command(deployment, env, supported)

    log = tmp_path / "run.log"
    with log.open("w") as out:
        run = subprocess.Popen(argv, cwd=mounts["/tmp"], env=process_env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: pool_on(sim, "canary", HOTFIX1), 60, "canary on hotfix1", log)
        with urllib.request.urlopen(f"http://127.0.0.1:{env['LAYERING_METRICS_PORT']}/metrics", timeout=10) as reply:
            assert b"layering_writes_total" in reply.read()
        assert not pool_on(sim, "worker", HOTFIX2), "stage 1 waits for stage 0"
        wait_for(lambda: pool_on(sim, "worker", HOTFIX2), 60, "worker on hotfix2", log)

        commit(repo, {"bindings/canary.yaml": None, "bindings/worker.yaml": None}, "remove every binding")
        git(repo, "push", "--quiet", str(remote), "main")
        wait_for(lambda: pool_on(sim, "worker", BASE_4163) and pool_on(sim, "canary", BASE_4163), 60,
                 "both pools back on the base image", log)
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=30) == 0
    finally:
        if run.poll() is None:
            run.kill()
    assert denials(sim) == [], denials(sim)
    assert "forbidden" not in log.read_text().lower()
    with sim.store.lock:
        assert not [m for m in sim.store.items(MACHINE_CONFIGS) if m["metadata"]["name"].startswith("99-layering-")]
        state = sim.store.get(CONFIGMAPS, "layering-reconciler-state", NAMESPACE)
        reasons = sorted({e["reason"] for e in sim.store.list(EVENTS, NAMESPACE)[0]
                          if e.get("source", {}).get("component") == "layering-reconciler"})
    assert "state.json" in state["data"]
    assert reasons == ["LayeringApplied", "LayeringRemoved"]
    assert any(mounts["/var/cache/layering-reconciler"].iterdir()), "clones live in the cache emptyDir"


def test_overrun_pause_as_the_service_account(sim: Simulator, tmp_path: Path) -> None:
    """Virtual time starts 2026-01-01T00:00Z; the window opens every two hours for five minutes."""
    install(sim)
    repo = tmp_path / "bindings"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit(repo, {"layering.yaml": policy("pause", "0 */2 * * *"),
                  "bindings/worker.yaml": binding("worker", HOTFIX1, 0, window="short")}, "worker in a short window")
    kubeconfig = sa_kubeconfig(sim, tmp_path / "sa.kubeconfig", token_of(sim))
    with Cluster.connect(str(kubeconfig), policy=FAST) as cluster:
        reconciler = Reconciler(GitSource(str(repo), cache_dir=tmp_path / "cache"), cluster, clock=sim.clock.now)

        def drive(until: Callable[[PassResult], bool], limit: float, advance: float) -> None:
            deadline = sim.clock.now() + limit
            while not until(reconciler.reconcile()):
                assert sim.clock.now() < deadline
                sim.advance(advance)

        def paused(pool: str) -> bool:
            with sim.store.lock:
                return bool(sim.store.get(POOLS, pool)["spec"].get("paused"))

        drive(lambda r: paused("worker"), limit=3600, advance=60)
        assert paused("canary") and cluster.load_memory()["pausedByUs"] == ["canary", "worker"]
        drive(lambda r: not paused("worker"), limit=3 * 3600, advance=300)
        drive(lambda r: r.decision.done, limit=12 * 3600, advance=120)
    assert pool_on(sim, "worker", HOTFIX1)
    assert denials(sim) == [], denials(sim)
