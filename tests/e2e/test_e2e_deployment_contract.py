"""`reconciler run` as the Deployment runs it: configured by LAYERING_* variables alone, a token from
the git Secret's file, JSON logs, /metrics, /healthz and /readyz on one port. Against a real git
smart-HTTP server that requires the token and the simulator; the token never shows in a log line,
an error or any process's arguments."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import MC, Cli, LocalSim, bound_repo, free_port, reconciler_cmd, wait_for
from githttp import GitHttpServer

from mcosim.resources import CONFIGMAPS

TOKEN = "glpat-S3CRET-0123456789abcdef"
SECRET_FORMS = (TOKEN, base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode())


class ProcessWatcher:
    """Polls /proc for the arguments of every descendant of one process while it runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.cmdlines: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def stop(self) -> set[str]:
        self._stop.set()
        self._thread.join()
        return self.cmdlines

    def _watch(self) -> None:
        while not self._stop.is_set():
            parents: dict[int, int] = {}
            commands: dict[int, str] = {}
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                    raw = Path(f"/proc/{entry}/cmdline").read_bytes()
                except OSError:
                    continue
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
                commands[int(entry)] = raw.replace(b"\0", b" ").decode(errors="replace")
            for pid, command in commands.items():
                if self._descends(pid, parents):
                    self.cmdlines.add(command)
            time.sleep(0.02)

    def _descends(self, pid: int, parents: dict[int, int]) -> bool:
        for _ in range(20):
            if pid == self.pid:
                return True
            pid = parents.get(pid, 0)
            if pid <= 1:
                return False
        return False


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRET_FORMS:
            assert secret not in text


def probe(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def git_server(cli: Cli, tmp_path: Path) -> Iterator[tuple[GitHttpServer, str]]:
    repo = bound_repo(cli, tmp_path / "bindings")
    repo.bare_remote(tmp_path / "git" / "bindings.git")
    server = GitHttpServer(tmp_path / "git", TOKEN, delay=0.2)
    yield server, server.url("bindings.git")
    server.stop()


def test_run_configured_by_the_environment_alone(cli: Cli, local_sim: LocalSim, git_server: tuple[GitHttpServer, str],
                                                 tmp_path: Path) -> None:
    server, url = git_server
    secret_dir = tmp_path / "etc-layering-reconciler-git"  # the mounted Secret
    secret_dir.mkdir()
    (secret_dir / "token").write_text(TOKEN + "\n")
    port = free_port()
    env = {**cli.env, "KUBECONFIG": str(local_sim.kubeconfig), "LAYERING_REPO": url,
           "LAYERING_TOKEN_FILE": str(secret_dir / "token"),
           "LAYERING_SSH_KEY_FILE": str(secret_dir / "ssh-privatekey"),  # absent: an https URL does not read it
           "LAYERING_KNOWN_HOSTS_FILE": str(secret_dir / "known_hosts"),
           "LAYERING_INTERVAL": "1s", "LAYERING_METRICS_PORT": str(port), "LAYERING_METRICS_ADDRESS": "127.0.0.1",
           "LAYERING_LOG_FORMAT": "json", "LAYERING_NAMESPACE": "gitops",
           "LAYERING_CACHE_DIR": str(tmp_path / "cache"), "LAYERING_VERBOSE": "true"}
    log = tmp_path / "run.log"
    with log.open("w") as out:
        run = subprocess.Popen(reconciler_cmd("run"), cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    watcher = ProcessWatcher(run.pid)
    try:
        wait_for(lambda: local_sim.mc(MC) is not None, 60, "our MachineConfig written")
        wait_for(lambda: probe(port, "/readyz")[0] == 200, 30, "ready after a good pass")
        assert probe(port, "/healthz") == (200, "[+]loop ok\nhealthz check passed\n")
        status, metrics = probe(port, "/metrics")
        assert status == 200 and 'layering_reconcile_passes_total{result="success"}' in metrics

        server.token = "rotated-by-the-git-host"  # our token is no longer accepted
        wait_for(lambda: probe(port, "/readyz")[0] == 503, 30, "not ready once git refuses")
        assert f"[-]git failed: {url}: cannot fetch: authentication failed" in probe(port, "/readyz")[1]
        assert probe(port, "/healthz")[0] == 200  # a refusing git host is no reason to restart
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=30) == 0
    finally:
        cmdlines = watcher.stop()
        if run.poll() is None:
            run.kill()
    lines = [json.loads(line) for line in log.read_text().splitlines()]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    created = [line for line in lines if line.get("action") == "create"]
    assert len(created) == 1 and created[0]["pool"] == "worker" and created[0]["MachineConfig"] == MC
    assert len(created[0]["commit"]) == 40
    passes = [line for line in lines if "duration_seconds" in line and "writes" in line]
    assert passes and passes[0]["writes"] == 1 and passes[0]["commit"] == created[0]["commit"]
    failed = [line for line in lines if line.get("error") == "SourceError"]
    assert failed and failed[0]["level"] == "error" and failed[0]["retry_seconds"] == 1
    assert local_sim.sim.store.try_get(CONFIGMAPS, "layering-reconciler-state", "gitops") is not None
    assert all(header.startswith("Basic ") for _, header in server.seen)  # the token went as a header
    assert any("git" in c and "fetch" in c for c in cmdlines), cmdlines  # the watcher saw git at work
    assert_no_secret(log.read_text(), *cmdlines, *(path for path, _ in server.seen))


def test_a_refused_token_fails_plan_without_showing_it(cli: Cli, local_sim: LocalSim,
                                                       git_server: tuple[GitHttpServer, str], tmp_path: Path) -> None:
    server, url = git_server
    server.token = "another-token"
    token = tmp_path / "token"
    token.write_text(TOKEN)
    planned = subprocess.run(reconciler_cmd("plan", "--repo", url, "--token-file", str(token), "-v",
                                            "--kubeconfig", str(local_sim.kubeconfig)),
                             env=cli.env, capture_output=True, text=True, timeout=120, check=False)
    assert planned.returncode == 1
    assert planned.stderr.splitlines()[-1].startswith(f"error: {url}: cannot fetch: authentication failed")
    assert_no_secret(planned.stdout, planned.stderr)
