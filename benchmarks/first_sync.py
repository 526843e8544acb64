"""Benchmark: the first `reconciler sync` of N bindings (one pool each) on a fresh simulated cluster
(its own process), against the API's own time for the same writes: on a second fresh simulator with
the same pools, a bare HTTP client sends the MachineConfigs the sync wrote (the same bodies, one
create each, which the simulator renders and starts rolling out as it does ours) and an Event after
each, as the sync does. What the sync takes beyond that is ours: start-up, reading the repository
and the cluster, planning, the state saves. Twice: with an empty parse cache, and after a `plan` with
the same --cache-dir (a CI job that plans a pull request and syncs it once merged).

    .venv/bin/python benchmarks/first_sync.py --pools 500
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import IMAGE, PYTHON, ROOT, git_repo, load, pool_names, precompile, sim_endpoint, sim_process

MCS = "/apis/machineconfiguration.openshift.io/v1/machineconfigs"
OURS = "app.kubernetes.io%2Fmanaged-by%3Dlayering-reconciler"  # the label selector of our MachineConfigs
EVENTS_NAMESPACE = "layering-reconciler"  # where the sync's Events go


def _request(conn: http.client.HTTPConnection, token: str, method: str, path: str,
             body: dict[str, Any] | None = None) -> Any:
    conn.request(method, path, body=json.dumps(body) if body else None,
                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    reply = conn.getresponse()
    data = reply.read()
    if reply.status >= 300:
        raise SystemExit(f"{method} {path}: {reply.status} {data[:300]!r}")
    return json.loads(data)


def replay(kubeconfig: Path, bodies: list[dict[str, Any]]) -> float:
    """Seconds a bare client takes to create these MachineConfigs, each followed by an Event, on one
    kept-alive connection (the Events' namespace made first, as the sync's first Event does)."""
    server, token = sim_endpoint(kubeconfig)
    conn = http.client.HTTPConnection(server.removeprefix("http://"), timeout=30)
    _request(conn, token, "POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                          "metadata": {"name": EVENTS_NAMESPACE}})
    started = time.perf_counter()
    for n, body in enumerate(bodies):
        _request(conn, token, "POST", MCS, body)
        name = body["metadata"]["name"]
        _request(conn, token, "POST", f"/api/v1/namespaces/{EVENTS_NAMESPACE}/events", {
            "apiVersion": "v1", "kind": "Event", "metadata": {"name": f"{name}.{n:016x}"},
            "involvedObject": {"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig",
                               "name": name}, "reason": "MachineConfigCreated", "message": f"created {name}",
            "type": "Normal", "source": {"component": "benchmark"}})
    took = time.perf_counter() - started
    conn.close()
    return took


def written_bodies(kubeconfig: Path) -> list[dict[str, Any]]:
    """Our MachineConfigs as the sync wrote them, as bodies to create again elsewhere."""
    server, token = sim_endpoint(kubeconfig)
    conn = http.client.HTTPConnection(server.removeprefix("http://"), timeout=30)
    try:
        listed = _request(conn, token, "GET", f"{MCS}?labelSelector={OURS}")
    finally:
        conn.close()
    return [{"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig",
             "metadata": {k: v for k, v in mc["metadata"].items() if k in ("name", "labels", "annotations")},
             "spec": mc["spec"]} for mc in listed["items"]]


def first_sync(repo: Path, pools: dict[str, int], cache: Path, plan_first: bool) -> tuple[float, list[dict[str, Any]]]:
    """Seconds of `sync` on a fresh simulator (after a `plan` that fills the parse cache, with
    `plan_first`), and the MachineConfigs it wrote."""
    with sim_process(1, pools) as kubeconfig:
        argv = [PYTHON, "-m", "reconciler", "plan", "--repo", str(repo), "--kubeconfig", str(kubeconfig),
                "--cache-dir", str(cache)]
        if plan_first:
            subprocess.run(argv, cwd=ROOT, capture_output=True, env=os.environ, check=False)
        argv[3] = "sync"
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env=os.environ)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"sync failed ({done.returncode}): {done.stderr[-800:]}")
        return wall, written_bodies(kubeconfig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pools", type=int, default=500)
    args = parser.parse_args()
    precompile()
    pools = dict.fromkeys(pool_names(args.pools), 1)
    with tempfile.TemporaryDirectory(prefix="bench-first-sync-") as tmp:
        repo = git_repo(Path(tmp) / "repo", dict.fromkeys(pool_names(args.pools), IMAGE))
        cold, bodies = first_sync(repo, pools, Path(tmp) / "cold-cache", plan_first=False)
        warm, _ = first_sync(repo, pools, Path(tmp) / "warm-cache", plan_first=True)
        with sim_process(1, pools) as kubeconfig:
            floor = replay(kubeconfig, bodies)
    written = len(bodies)
    print(f"first sync of {args.pools} bindings: a bare client sends the same {written} MachineConfig creates and "
          f"{written} Events in {floor:.2f} s ({1000 * floor / max(written, 1):.1f} ms a write); {load()}")
    for label, wall in (("empty parse cache", cold), ("after a plan with the same --cache-dir", warm)):
        print(f"  {label + ':':40} {wall:.2f} s, so {wall - floor:.2f} s ({100 * (wall - floor) / wall:.0f} %) is ours")
    print(f"rerun: .venv/bin/python benchmarks/first_sync.py --pools {args.pools}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
