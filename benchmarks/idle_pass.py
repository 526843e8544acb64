"""Benchmark: what one idle pass costs (API requests by verb and resource, reply bytes, CPU) once the
rollout is done, read three ways: listing everything (as before), reading only what a decision needs
(one-shot commands), and through the watch cache (`run`, `sync --wait`).

    .venv/bin/python benchmarks/idle_pass.py --nodes 6             # 3 masters + 3 workers, 2 pools
    .venv/bin/python benchmarks/idle_pass.py --nodes 5000 --pools 200

The simulator runs in its own process; CPU is this process's (every thread, watch threads included).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import IMAGE, git_repo, load, pass_cost, pool_names, sim_process

from reconciler.cluster import Cluster
from reconciler.controller.reconcile import Reconciler
from reconciler.source import GitSource

PASSES = 5


def layout(nodes: int, pools: int) -> tuple[int, dict[str, int]]:
    """(workers, custom pools) for `nodes` nodes (3 masters) in `pools` pools (master, worker, custom)."""
    custom = max(0, pools - 2)
    if not custom:
        return nodes - 3, {}
    per_pool = max(1, (nodes - 3) // (custom + 1))
    return nodes - 3 - per_pool * custom, dict.fromkeys(pool_names(custom), per_pool)


def measure(reconciler: Reconciler, cluster: Cluster, mode: str) -> str:
    def idle_pass() -> None:
        result = reconciler.reconcile()
        assert not result.written, f"{mode}: not idle: {result.written}"

    return pass_cost(cluster, idle_pass, mode, PASSES)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=6)
    parser.add_argument("--pools", type=int, default=2)
    args = parser.parse_args()
    workers, custom = layout(args.nodes, args.pools)
    bound = next(iter(custom), "worker")
    with tempfile.TemporaryDirectory(prefix="bench-idle-") as tmp, \
            sim_process(workers, custom, speed=200.0) as kubeconfig, Cluster.connect(str(kubeconfig)) as cluster:
        repo = git_repo(Path(tmp) / "repo", {bound: IMAGE})
        source = GitSource(str(repo), cache_dir=Path(tmp) / "cache")
        started = time.monotonic()
        reconciler = Reconciler(source, cluster)
        while not reconciler.reconcile().decision.done:
            time.sleep(0.5)
        print(f"idle pass, {args.nodes} nodes / {args.pools} pools, pool {bound} rolled out in "
              f"{time.monotonic() - started:.0f} s; {load()}")
        print(measure(Reconciler(source, cluster, every_node=True), cluster, "list everything (before)"))
        print(measure(reconciler, cluster, "read only what is needed"))
        cluster.follow(lambda: None)
        print(measure(reconciler, cluster, "watch cache (run, sync --wait)"))
    print(f"rerun: .venv/bin/python benchmarks/idle_pass.py --nodes {args.nodes} --pools {args.pools}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
