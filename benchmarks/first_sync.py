"""Benchmark: the first `reconciler sync` of N bindings (one pool each) on a fresh simulated cluster
(its own process), against the API's own write latency: the median time a bare HTTP client takes to
create one MachineConfig with an osImageURL for a pool of its own (which the simulator then renders,
as it renders each of ours), times the number of writes the sync made.

    .venv/bin/python benchmarks/first_sync.py --pools 500
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import IMAGE, PYTHON, ROOT, git_repo, load, pool_names, precompile, sim_process

MCS = "/apis/machineconfiguration.openshift.io/v1/machineconfigs"
SAMPLES = 50
OURS = "app.kubernetes.io%2Fmanaged-by%3Dlayering-reconciler"  # the label selector of our MachineConfigs
LATENCY_POOL = "latency"  # a pool of its own that no binding names


def _plain_endpoint(kubeconfig: Path) -> tuple[str, str]:
    """(host:port, token) of the simulator's plain-HTTP context."""
    config = json.loads(kubeconfig.read_text())
    server = next(c["cluster"]["server"] for c in config["clusters"] if c["name"] == "mcosim")
    return server.removeprefix("http://"), config["users"][0]["user"]["token"]


def _request(conn: http.client.HTTPConnection, token: str, method: str, path: str,
             body: dict[str, Any] | None = None) -> Any:
    conn.request(method, path, body=json.dumps(body) if body else None,
                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    reply = conn.getresponse()
    data = reply.read()
    if reply.status >= 300:
        raise SystemExit(f"{method} {path}: {reply.status} {data[:300]!r}")
    return json.loads(data)


def write_latency(kubeconfig: Path) -> float:
    """Median seconds of one MachineConfig create for the pool `latency`, on a kept-alive connection."""
    host, token = _plain_endpoint(kubeconfig)
    conn = http.client.HTTPConnection(host, timeout=30)
    times = []
    for n in range(SAMPLES):
        body = {"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig",
                "metadata": {"name": f"99-latency-{n}", "labels": {
                    "machineconfiguration.openshift.io/role": LATENCY_POOL}},
                "spec": {"osImageURL": IMAGE}}
        started = time.perf_counter()
        _request(conn, token, "POST", MCS, body)
        times.append(time.perf_counter() - started)
    conn.close()
    return statistics.median(times)


def ours(kubeconfig: Path) -> int:
    host, token = _plain_endpoint(kubeconfig)
    conn = http.client.HTTPConnection(host, timeout=30)
    try:
        listed = _request(conn, token, "GET", f"{MCS}?labelSelector={OURS}")
    finally:
        conn.close()
    return len(listed["items"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pools", type=int, default=500)
    args = parser.parse_args()
    precompile()
    with tempfile.TemporaryDirectory(prefix="bench-first-sync-") as tmp, \
            sim_process(1, dict.fromkeys([*pool_names(args.pools), LATENCY_POOL], 1)) as kubeconfig:
        repo = git_repo(Path(tmp) / "repo", dict.fromkeys(pool_names(args.pools), IMAGE))
        latency = write_latency(kubeconfig)
        argv = [PYTHON, "-m", "reconciler", "sync", "--repo", str(repo), "--kubeconfig", str(kubeconfig),
                "--cache-dir", str(Path(tmp) / "cache")]
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env=os.environ)
        wall = time.perf_counter() - started
        written = ours(kubeconfig)
    if done.returncode != 0:
        raise SystemExit(f"sync failed ({done.returncode}): {done.stderr[-800:]}")
    floor = written * latency
    print(f"first sync of {args.pools} bindings: {written} MachineConfigs written in {wall:.2f} s; the API's "
          f"write latency {1000 * latency:.1f} ms (median of {SAMPLES}) x {written} = {floor:.2f} s, "
          f"so {wall - floor:.2f} s ({100 * (wall - floor) / wall:.0f} %) is ours; {load()}")
    print(f"rerun: .venv/bin/python benchmarks/first_sync.py --pools {args.pools}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
