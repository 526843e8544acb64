"""Shared parts of the benchmarks: a simulator in its own process, a git repository of bindings, and
a count of the API requests (verb, resource, bytes) a Cluster makes, taken at its request seam."""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
IMAGE = "quay.io/my-registry/rhcos-hotfix@sha256:8afaccbbe78087b87335a43c082f78d3f663a1865a92ed709154d29d50eb8010"
POLICY = ("apiVersion: layering.gitops.dev/v1alpha1\nkind: LayeringPolicy\nmetadata:\n  name: default\n"
          "spec:\n  bakeTime: 0s\n  allowEmpty: true\n")


def precompile() -> None:
    """Byte-compile the project as an install does, so that a run measures imports and not compiling
    (with PYTHONDONTWRITEBYTECODE set, Python would compile every module of the project on every start)."""
    import compileall

    for package in ("reconciler", "mcosim"):
        compileall.compile_dir(ROOT / package, quiet=1)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def pool_names(count: int) -> list[str]:
    return [f"p{i:04d}" for i in range(count)]


@contextmanager
def sim_process(workers: int, pools: dict[str, int], speed: float = 1.0,
                max_unavailable: dict[str, str] | None = None, release: str | None = None) -> Iterator[Path]:
    """`reconciler sim up` in a child process (of `release`, else the simulator's default); yields its
    kubeconfig once the API answers."""
    with tempfile.TemporaryDirectory(prefix="bench-sim-") as tmp:
        kubeconfig = Path(tmp) / "kubeconfig"
        argv = [PYTHON, "-m", "reconciler", "sim", "up", "--kubeconfig-out", str(kubeconfig),
                "--workers", str(workers), "--speed", str(speed)]
        for name, count in pools.items():
            argv += ["--pool", f"{name}={count}"]
        for name, value in (max_unavailable or {}).items():
            argv += ["--max-unavailable", f"{name}={value}"]
        if release:
            argv += ["--release", release]
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            if "mcosim API at" not in line:
                raise RuntimeError(f"the simulator did not start: {line!r}")
            yield kubeconfig
        finally:
            child.terminate()
            child.wait(30)


def sim_endpoint(kubeconfig: Path) -> tuple[str, str]:
    """(server URL, bearer token) of the simulator's plain-HTTP context in the kubeconfig it wrote."""
    config = json.loads(kubeconfig.read_text())
    server = next(c["cluster"]["server"] for c in config["clusters"] if c["name"] == "mcosim")
    token = next(u["user"]["token"] for u in config["users"] if u["name"] == "mcosim")
    return server, token


def git_repo(path: Path, bindings: dict[str, str]) -> Path:
    """A repository with the policy and one binding per pool (pool -> image)."""
    (path / "bindings").mkdir(parents=True)
    (path / "layering.yaml").write_text(POLICY)
    for pool, image in bindings.items():
        (path / "bindings" / f"{pool}.yaml").write_text(
            f"apiVersion: layering.gitops.dev/v1alpha1\nkind: PoolImageBinding\nmetadata:\n  name: {pool}-image\n"
            f"spec:\n  pool: {pool}\n  osImageURL: {image}\n")
    for argv in (["init", "-q", "-b", "main"], ["add", "-A"], ["-c", "user.email=b@example.com", "-c",
                                                                 "user.name=bench", "commit", "-qm", "bindings"]):
        subprocess.run(["git", *argv], cwd=path, check=True)
    return path


_RESOURCE = re.compile(r"/(?:api/v1|apis/[^/]+/[^/]+)(?:/namespaces/[^/]+)?/([a-z]+)(?:/([^/?]+))?")


@dataclass
class Requests:
    """API requests by (verb, resource) and the bytes of their replies."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()
            self.bytes = 0

    def add(self, method: str, url: str, size: int) -> None:
        path, _, query = url.partition("?")
        found = _RESOURCE.search(path)
        resource, name = (found.group(1), found.group(2)) if found else (path, None)
        watch = "watch=true" in query.lower() or "watch=1" in query
        verb = {"GET": "WATCH" if watch else ("GET" if name else "LIST")}.get(method, method)
        with self.lock:
            self.counts[(verb, resource)] += 1
            self.bytes += size

    def table(self) -> str:
        with self.lock:
            return ", ".join(f"{verb} {res}: {n}" for (verb, res), n in sorted(self.counts.items())) or "none"


def count_requests(cluster: Any) -> Requests:
    """Count every request of a reconciler Cluster with its reply size, at its request seam (KubeApi.observe:
    either transport). Watch streams are counted as requests; their events arrive outside any pass of
    an idle cluster."""
    requests = Requests()
    cluster._api.observe = requests.add
    return requests


def cpu() -> float:
    """CPU seconds of this process, every thread."""
    return time.process_time()


def pass_cost(cluster: Any, one_pass: Callable[[], Any], mode: str, passes: int = 5) -> str:
    """One line: the median reply bytes and CPU seconds of `passes` calls of `one_pass` (after one to
    warm up) and the requests of the last."""
    requests = count_requests(cluster)
    one_pass()
    cpus, sizes, table = [], [], ""
    for _ in range(passes):
        requests.reset()
        before = cpu()
        one_pass()
        cpus.append(cpu() - before)
        sizes.append(requests.bytes)
        table = requests.table()
    return (f"  {mode:<44} {statistics.median(sizes) / 1000:9.1f} kB  {statistics.median(cpus):6.3f} s CPU  "
            f"requests: {table}")


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    print(f"timed out waiting for {what}", file=sys.stderr)
    raise SystemExit(1)


@dataclass(frozen=True)
class Timing:
    """One command's wall-clock seconds and the CPU seconds of it and its children (kubectl runs `diff`)."""

    wall: float
    user: float
    sys: float

    def __str__(self) -> str:
        return f"{self.wall:.2f} s (CPU {self.user:.2f} user + {self.sys:.2f} sys)"


def timed_run(argv: list[str], env: dict[str, str], ok: tuple[int, ...] = (0, 1, 2)) -> Timing:
    """Run `argv` in the project's root; by default exit codes 0-2 are answers (plan: 2 = changes
    pending; diff: 1 = differences), anything else ends the benchmark."""
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in ok:
        raise SystemExit(f"{argv[0:3]} failed ({done.returncode}): {done.stderr[-600:]}")
    return Timing(wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime)


def median(timings: list[Timing]) -> Timing:
    return Timing(*(statistics.median(getattr(t, part) for t in timings) for part in ("wall", "user", "sys")))
