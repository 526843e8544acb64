"""The image's runtime contract without a container engine: the installed `reconciler run` as OpenShift's
restricted-v2 SCC starts it (an arbitrary UID, group 0, no supplementary groups), with an unwritable
HOME and only the Deployment's writable paths (an emptyDir for /tmp and one for the clone cache,
writable through group 0 alone), configured by the Deployment's variables, completes a pass against
the simulator, answers its probes, stops on SIGTERM, and leaves files nowhere else."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from e2e_support import MC, Cli, LocalSim, bound_repo, free_port, wait_for
from githttp import GitHttpServer

UID = 1000680000  # the first UID of a typical namespace range
TOKEN = "deploy-token-0123456789"
ROOT = Path(__file__).parents[2]
RECONCILER = Path(sys.executable).parent / "reconciler"  # the installed console script


def as_restricted_uid() -> list[str]:
    """setpriv's prefix; without root or setpriv a local run skips and CI fails, never silently."""
    setpriv = shutil.which("setpriv")
    reason = "needs root and setpriv (util-linux) to switch to an arbitrary UID"
    if setpriv is None or os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return [setpriv, "--reuid", str(UID), "--regid", "0", "--clear-groups"]


@dataclass
class PodPaths:
    root: Path
    home: Path  # unwritable: owned by root, 0755
    tmp: Path  # emptyDir for /tmp: root:0, 0770 (writable through group 0 only)
    cache: Path  # emptyDir for the clone cache, likewise
    secret: Path  # the git Secret's volume: root:0, readable by group 0
    kubeconfig: Path


def _dir(path: Path, mode: int) -> Path:
    path.mkdir()
    os.chown(path, 0, 0)
    path.chmod(mode)
    return path


@pytest.fixture
def pod(local_sim: LocalSim) -> Iterator[PodPaths]:
    as_restricted_uid()
    root = Path(tempfile.mkdtemp(prefix="layering-pod-"))  # outside pytest's root-only tmp_path
    root.chmod(0o755)
    paths = PodPaths(root, _dir(root / "home", 0o755), _dir(root / "tmp", 0o770), _dir(root / "cache", 0o770),
                     _dir(root / "git", 0o750), root / "git" / "kubeconfig")
    (paths.secret / "token").write_text(TOKEN)
    paths.kubeconfig.write_text(local_sim.kubeconfig.read_text())
    for secret in (paths.secret / "token", paths.kubeconfig):
        os.chown(secret, 0, 0)
        secret.chmod(0o440)
    yield paths
    shutil.rmtree(root)


def files_of(uid: int, *tops: Path) -> list[Path]:
    found = []
    for top in tops:
        for directory, subdirs, names in os.walk(top, onerror=lambda _: None):
            for name in [*subdirs, *names]:
                path = Path(directory) / name
                try:
                    if path.lstat().st_uid == uid:
                        found.append(path)
                except OSError:
                    continue
    return found


def probe(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as reply:
            return int(reply.status)
    except (urllib.error.URLError, ConnectionError):
        return 0


def test_run_as_an_arbitrary_uid_in_group_0_with_only_the_deployments_writable_paths(
    cli: Cli, local_sim: LocalSim, pod: PodPaths, tmp_path: Path
) -> None:
    repo = bound_repo(cli, tmp_path / "bindings")
    repo.bare_remote(tmp_path / "git" / "bindings.git")
    server = GitHttpServer(tmp_path / "git", TOKEN)
    readable = subprocess.run([*as_restricted_uid(), str(RECONCILER), "--version"], cwd=pod.tmp,
                              capture_output=True, text=True, check=False)
    assert readable.returncode == 0, f"the installed reconciler is not readable by UID {UID}: {readable.stderr}"
    port = free_port()
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(pod.home), "TMPDIR": str(pod.tmp),
           "PYTHONDONTWRITEBYTECODE": "1", "LAYERING_REPO": server.url("bindings.git"),
           "LAYERING_TOKEN_FILE": str(pod.secret / "token"), "LAYERING_KUBECONFIG": str(pod.kubeconfig),
           "LAYERING_CACHE_DIR": str(pod.cache), "LAYERING_INTERVAL": "1s", "LAYERING_METRICS_PORT": str(port),
           "LAYERING_METRICS_ADDRESS": "127.0.0.1", "LAYERING_LOG_FORMAT": "json"}
    log = tmp_path / "run.log"
    try:
        with log.open("w") as out:
            run = subprocess.Popen([*as_restricted_uid(), str(RECONCILER), "run"], cwd=pod.tmp, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: local_sim.mc(MC) is not None or run.poll() is not None, 60, "a pass")
            assert local_sim.mc(MC) is not None, log.read_text()
            wait_for(lambda: probe(port, "/readyz") == 200, 30, "ready")
            assert probe(port, "/healthz") == 200
            run.send_signal(signal.SIGTERM)
            assert run.wait(timeout=30) == 0, log.read_text()
        finally:
            if run.poll() is None:
                run.kill()
    finally:
        server.stop()
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line for line in lines if line["level"] == "error"] == []
    assert any(line.get("action") == "create" for line in lines)
    assert list(pod.home.iterdir()) == []
    written = files_of(UID, pod.root, Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), ROOT)
    assert written, "the run wrote nothing at all: the check below would prove nothing"
    outside = [path for path in written if not path.is_relative_to(pod.tmp) and not path.is_relative_to(pod.cache)]
    assert outside == []
    assert any(path.is_relative_to(pod.cache) for path in written)  # the clone
