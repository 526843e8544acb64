"""Benchmark: a full image rollout of a 1 000-node pool (maxUnavailable 10%) in virtual time,
and listing 5 000 nodes over HTTP with the kubernetes client.

    .venv/bin/python benchmarks/sim_rollout.py [--nodes 1000] [--list-nodes 5000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mcosim import SimConfig, Simulator
from mcosim.resources import MACHINE_CONFIGS, POOLS

IMAGE = (
    "quay.io/my-registry/rhcos-hotfix@sha256:8afaccbbe78087b87335a43c082f78d3f663a1865a92ed709154d29d50eb8010"
)


def rollout(nodes: int) -> None:
    started = time.perf_counter()
    config = SimConfig(
        masters=3, workers=nodes, clock="virtual", serve_api=False, max_unavailable={"worker": "10%"}
    )
    sim = Simulator(config).start()
    boot = time.perf_counter() - started
    mc = {
        "metadata": {
            "name": "99-layering-worker",
            "labels": {"machineconfiguration.openshift.io/role": "worker"},
        },
        "spec": {"osImageURL": IMAGE},
    }
    t0 = time.perf_counter()
    sim.store.create(MACHINE_CONFIGS, mc)
    sim.advance(6)
    target = sim.store.get(POOLS, "worker")["spec"]["configuration"]["name"]
    sim_start = sim.clock.now()
    done = sim.run_until(
        lambda: (
            sim.pool_updated("worker")
            and sim.store.get(POOLS, "worker")["status"]["configuration"]["name"] == target
        ),
        48 * 3600,
    )
    wall = time.perf_counter() - t0
    sim_minutes = (sim.clock.now() - sim_start) / 60
    sim.stop()
    print(
        f"rollout: {nodes} nodes, maxUnavailable 10%: {'done' if done else 'NOT DONE'} "
        f"in {wall:.1f} s wall "
        f"({sim_minutes:.0f} sim minutes; bootstrap {boot:.1f} s; controller errors: {len(sim.engine.errors)})"
    )


def list_nodes(nodes: int) -> None:
    from kubernetes import client, config

    started = time.perf_counter()
    with Simulator(SimConfig(masters=3, workers=nodes - 3, clock="virtual", events=False)) as sim:
        boot = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as tmp:
            kubeconfig = sim.write_kubeconfig(Path(tmp) / "kubeconfig")
            cfg = client.Configuration()
            config.load_kube_config(config_file=str(kubeconfig), client_configuration=cfg)
            api = client.CoreV1Api(client.ApiClient(cfg))
            timings = []
            for _ in range(5):
                t0 = time.perf_counter()
                count = len(api.list_node().items)
                timings.append(time.perf_counter() - t0)
            raw = []
            for _ in range(5):
                t0 = time.perf_counter()
                api.list_node(_preload_content=False).read()
                raw.append(time.perf_counter() - t0)
    print(
        f"list nodes over HTTP: {count} nodes (bootstrap {boot:.1f} s): "
        f"kubernetes client with models best {min(timings):.2f} s / median {sorted(timings)[2]:.2f} s; "
        f"raw JSON best {min(raw):.3f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--list-nodes", type=int, default=5000)
    args = parser.parse_args()
    rollout(args.nodes)
    if args.list_nodes:
        list_nodes(args.list_nodes)


if __name__ == "__main__":
    main()
