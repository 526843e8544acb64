"""`reconciler run` as a process against `reconciler sim up` as a process: it follows commits, survives
an unreachable repository (logs, backs off, deletes nothing) and stops cleanly on SIGTERM."""

from __future__ import annotations

import re
import signal
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import (
    MC,
    Cli,
    SimProcess,
    binding_yaml,
    bound_repo,
    free_port,
    pool_updated_on,
    reconciler_cmd,
    wait_for,
)
from testkit import HOTFIX1, HOTFIX2

FAILED = re.compile(r"ERROR pass failed \(SourceError\); nothing deleted; retrying in (\d+)s: (\S+): ")


def metric_values(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
        lines = reply.read().decode().splitlines()
    return {name: float(value) for name, _, value in (line.rpartition(" ") for line in lines)
            if name and not name.startswith("#")}


@pytest.fixture
def sim_process(cli: Cli, tmp_path: Path) -> Iterator[SimProcess]:
    sim = SimProcess(cli, tmp_path, "--speed", "200", "--masters", "1", "--workers", "2")
    yield sim
    sim.stop()


def test_run_follows_commits_backs_off_and_stops_on_sigterm(
    cli: Cli, sim_process: SimProcess, tmp_path: Path
) -> None:
    repo = bound_repo(cli, tmp_path / "bindings")
    remote = tmp_path / "remote.git"
    url = repo.bare_remote(remote)
    log = tmp_path / "run.log"
    metrics_port = free_port()
    command = reconciler_cmd("run", "--repo", url, "--kubeconfig", str(sim_process.kubeconfig), "--interval", "1s",
                             "--metrics-port", str(metrics_port))
    with log.open("w") as out:
        run = subprocess.Popen(command, cwd=tmp_path, env=cli.env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: pool_updated_on(sim_process, "worker", HOTFIX1), 90, "worker on hotfix1")
        repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", HOTFIX2))
        repo.commit("Bump worker")
        cli.git("push", "--quiet", url, "main", cwd=repo.path)
        wait_for(lambda: pool_updated_on(sim_process, "worker", HOTFIX2), 90, "worker on hotfix2")

        remote.rename(tmp_path / "moved.git")
        wait_for(lambda: len(FAILED.findall(log.read_text())) >= 3, 30, "three failed passes")
        assert [(int(s), u) for s, u in FAILED.findall(log.read_text())][:3] == [(1, url), (2, url), (4, url)]
        mc = sim_process.mc(MC)
        assert mc is not None and mc["spec"]["osImageURL"] == HOTFIX2
        metrics = metric_values(metrics_port)
        assert metrics['layering_reconcile_passes_total{result="SourceError"}'] >= 3
        assert metrics['layering_reconcile_passes_total{result="success"}'] >= 2
        assert metrics["layering_writes_total"] == 2 and metrics["layering_pending_changes"] == 0
        (tmp_path / "moved.git").rename(remote)
        recovered = log.read_text().count("INFO pass commit=")
        wait_for(lambda: log.read_text().count("INFO pass commit=") > recovered, 30, "a pass after the repo is back")

        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=30) == 0
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    text = log.read_text()
    assert f"created MachineConfig/{MC}" in text and f"updated MachineConfig/{MC}" in text
    assert "stopping" in text and "Traceback" not in text
    assert "Running job" not in text  # one line per pass, not the scheduler's chatter
    assert pool_updated_on(sim_process, "worker", HOTFIX2)
