"""Benchmark: what a one-shot pass (`plan`, `sync`) reads while one small custom pool rolls out in a
large cluster: every node and MachineConfigNode (what such a pass read before, and what `status`
reads), against the nodes of the moving pool only (listed by its node selector) and their
MachineConfigNodes one by one. Requests by verb and resource, reply bytes and CPU, medians of 5.

    .venv/bin/python benchmarks/moving_pass.py --nodes 5000 --moving 10

The simulator runs in its own process, as OpenShift 4.19 (MachineConfigNodes served); CPU is this
process's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import IMAGE, git_repo, load, pass_cost, sim_process, wait_for

from reconciler.cluster import Cluster
from reconciler.cluster.selective import settled
from reconciler.controller.reconcile import Reconciler
from reconciler.source import GitSource

PASSES = 5
POOL = "infra"
RELEASE = "4.19.2"


def measure(reconciler: Reconciler, cluster: Cluster, mode: str) -> str:
    def one_shot_pass() -> None:
        pool = reconciler.decide().live.pool(POOL)
        assert pool is not None and not settled(pool), f"{mode}: {POOL} is not rolling any more"

    return pass_cost(cluster, one_shot_pass, mode, PASSES)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=5000, help="in all: 3 masters, the moving pool, workers")
    parser.add_argument("--moving", type=int, default=10, help="nodes of the custom pool that rolls out")
    args = parser.parse_args()
    workers = args.nodes - 3 - args.moving

    with tempfile.TemporaryDirectory(prefix="bench-moving-") as tmp, \
            sim_process(workers, {POOL: args.moving}, speed=1.0, release=RELEASE) as kubeconfig, \
            Cluster.connect(str(kubeconfig)) as cluster:
        source = GitSource(str(git_repo(Path(tmp) / "repo", {POOL: IMAGE})), cache_dir=Path(tmp) / "cache")
        Reconciler(source, cluster).reconcile()  # writes the pool's MachineConfig: the MCO renders it
        wait_for(lambda: not settled(cluster.read_live(time.time(), False).pool(POOL)),  # type: ignore[arg-type]
                 60, f"{POOL} to start rolling")
        print(f"a one-shot pass while {POOL} ({args.moving} nodes) rolls out, {args.nodes} nodes in all, "
              f"OpenShift {RELEASE}; {load()}")
        every = Reconciler(source, cluster, every_node=True)
        print(measure(every, cluster, "every node and MachineConfigNode (before)"))
        print(measure(Reconciler(source, cluster), cluster, "the moving pool's nodes only"))
    print(f"rerun: .venv/bin/python benchmarks/moving_pass.py --nodes {args.nodes} --moving {args.moving}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
