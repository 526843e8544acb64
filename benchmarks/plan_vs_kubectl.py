"""Benchmark: `reconciler plan` against `kubectl diff -f` of the same MachineConfigs, on the same
simulated cluster (its own process), at 1 binding and at N bindings (one pool each). Each command runs
once to warm caches (the clone, kubectl's discovery cache), then REPEATS times, the two taking turns
(so that both see the machine in the same state: on a shared VM its speed drifts); medians are compared.
Each figure comes with the CPU time of the command and its children (kubectl runs `diff` over the two
files per object it writes): what varies from run to run shows there.

    .venv/bin/python benchmarks/plan_vs_kubectl.py --pools 500

The simulator answers from the same machine in well under a millisecond. `--latency-ms` adds that much
to every API request (a fault rule of the simulator), as a network and a real API server do: kubectl
pays it once per object, plan once per list.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
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

from reconciler.cluster.write import machine_config_body
from reconciler.intent import load_desired
from reconciler.ourmc import for_binding
from reconciler.source import GitSource

REPEATS = 5


def manifests(repo: Path, cache: Path, out: Path) -> Path:
    """The MachineConfigs the plan would write, as one List for `kubectl diff -f`."""
    desired = load_desired(GitSource(str(repo), cache_dir=cache).snapshot())
    items = [machine_config_body(for_binding(b, desired)) for b in desired.bindings]
    out.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    return out


def timed_in_turns(first: list[str], second: list[str], env: dict[str, str]) -> tuple[Timing, Timing]:
    """Medians of each command; one warm-up run each, then REPEATS runs taking turns."""
    timed_run(first, env), timed_run(second, env)
    pairs = [(timed_run(first, env), timed_run(second, env)) for _ in range(REPEATS)]
    return median([a for a, _ in pairs]), median([b for _, b in pairs])


def compare(kubeconfig: Path, tmp: Path, bindings: int) -> str:
    work = tmp / f"b{bindings}"
    repo = git_repo(work / "repo", dict.fromkeys(pool_names(bindings), IMAGE))
    listing = manifests(repo, work / "cache", work / "mcs.json")
    env = {**os.environ, "KUBECACHEDIR": str(work / "kube-cache"), "COLUMNS": "150"}
    kubectl, plan = timed_in_turns(
        [shutil.which("kubectl") or "kubectl", "--kubeconfig", str(kubeconfig), "diff", "-f", str(listing)],
        [PYTHON, "-m", "reconciler", "plan", "--repo", str(repo), "--kubeconfig", str(kubeconfig),
         "--cache-dir", str(work / "cache")], env)
    return (f"  {bindings:>4} binding(s): reconciler plan {plan}, kubectl diff -f {kubectl}, "
            f"ratio {plan.wall / kubectl.wall:.2f}")


def add_latency(kubeconfig: Path, seconds: float) -> None:
    """A simulator fault rule that delays every resource request (discovery is never delayed)."""
    server, token = sim_endpoint(kubeconfig)
    request = urllib.request.Request(f"{server}/sim/faults", data=json.dumps({"latency": seconds}).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status == 201, reply.status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pools", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every API request")
    args = parser.parse_args()
    precompile()
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp, \
            sim_process(1, dict.fromkeys(pool_names(args.pools), 1)) as kubeconfig:
        added = ""
        if args.latency_ms:
            add_latency(kubeconfig, args.latency_ms / 1000)
            added = f", {args.latency_ms:g} ms added to every API request"
        print(f"plan vs kubectl diff, {args.pools} pools of 1 node{added}; {load()}")
        for bindings in (1, args.pools):
            print(compare(kubeconfig, Path(tmp), bindings), flush=True)
    latency = f" --latency-ms {args.latency_ms:g}" if args.latency_ms else ""
    print(f"rerun: .venv/bin/python benchmarks/plan_vs_kubectl.py --pools {args.pools}{latency}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
