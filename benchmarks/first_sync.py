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
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import (
    IMAGE,
    PYTHON,
    Timing,
    git_repo,
    load,
    median,
    pool_names,
    precompile,
    sim_endpoint,
    sim_process,
    timed_run,
)

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


def first_sync(repo: Path, pools: dict[str, int], cache: Path, plan_first: bool) -> tuple[Timing, list[dict[str, Any]]]:
    """`sync` on a fresh simulator (after a `plan` that fills the parse cache, with `plan_first`):
    its time, and the MachineConfigs it wrote."""
    with sim_process(1, pools) as kubeconfig:
        argv = [PYTHON, "-m", "reconciler", "plan", "--repo", str(repo), "--kubeconfig", str(kubeconfig),
                "--cache-dir", str(cache)]
        if plan_first:
            timed_run(argv, os.environ.copy())
        argv[3] = "sync"
        return timed_run(argv, os.environ.copy(), ok=(0,)), written_bodies(kubeconfig)


def one_round(repo: Path, pools: dict[str, int], tmp: Path) -> tuple[float, Timing, Timing, int]:
    """The floor, the sync with an empty parse cache and the sync after a plan, each on a fresh
    simulator; and how many MachineConfigs were written."""
    cold, bodies = first_sync(repo, pools, Path(tempfile.mkdtemp(dir=tmp)), plan_first=False)
    warm, _ = first_sync(repo, pools, Path(tempfile.mkdtemp(dir=tmp)), plan_first=True)
    with sim_process(1, pools) as kubeconfig:
        floor = replay(kubeconfig, bodies)
    return floor, cold, warm, len(bodies)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pools", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3, help="rounds (each on fresh simulators); medians are shown")
    args = parser.parse_args()
    precompile()
    pools = dict.fromkeys(pool_names(args.pools), 1)
    with tempfile.TemporaryDirectory(prefix="bench-first-sync-") as tmp:
        repo = git_repo(Path(tmp) / "repo", dict.fromkeys(pool_names(args.pools), IMAGE))
        rounds = [one_round(repo, pools, Path(tmp)) for _ in range(args.runs)]
    floor, written = statistics.median(r[0] for r in rounds), rounds[0][3]
    print(f"first sync of {args.pools} bindings, median of {args.runs} rounds: a bare client sends the same {written} "
          f"MachineConfig creates and {written} Events in {floor:.2f} s ({1000 * floor / max(written, 1):.1f} ms a "
          f"write); {load()}")
    colds, warms = median([r[1] for r in rounds]), median([r[2] for r in rounds])
    for label, sync in (("empty parse cache", colds), ("after a plan with the same --cache-dir", warms)):
        ours = sync.wall - floor
        print(f"  {label + ':':40} {sync}, so {ours:.2f} s ({100 * ours / sync.wall:.0f} %) is ours")
    print(f"rerun: .venv/bin/python benchmarks/first_sync.py --pools {args.pools} --runs {args.runs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
