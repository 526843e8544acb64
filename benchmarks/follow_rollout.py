"""Benchmark: `reconciler sync --wait` following a whole-pool image rollout to the end, with the
simulator in its own process: wall time, the reconciler's CPU (share of one core) and peak RSS.

    .venv/bin/python benchmarks/follow_rollout.py --workers 1000 --speed 200
    .venv/bin/python benchmarks/follow_rollout.py --workers 5000 --speed 50
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import IMAGE, PYTHON, ROOT, git_repo, load, sim_process


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=1000)
    parser.add_argument("--speed", type=float, default=200.0)
    parser.add_argument("--max-unavailable", default="10%")
    parser.add_argument("--timeout", default="12h", help="cluster time (the sync's --timeout)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-follow-") as tmp, \
            sim_process(args.workers, {}, args.speed, {"worker": args.max_unavailable}) as kubeconfig:
        repo = git_repo(Path(tmp) / "repo", {"worker": IMAGE})
        argv = [PYTHON, "-m", "reconciler", "sync", "--wait", "--timeout", args.timeout, "--repo", str(repo),
                "--kubeconfig", str(kubeconfig), "--cache-dir", str(Path(tmp) / "cache")]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    outcome = "completed" if done.returncode == 0 else f"FAILED (exit {done.returncode}): {done.stderr[-800:]}"
    print(f"sync --wait, {args.workers} workers (maxUnavailable {args.max_unavailable}) at --speed {args.speed:g}: "
          f"{outcome} in {wall:.0f} s wall; reconciler CPU {cpu:.1f} s = {100 * cpu / wall:.1f} % of a core, "
          f"peak RSS {after.ru_maxrss / 1024:.0f} MB; {load()}")
    print(f"rerun: .venv/bin/python benchmarks/follow_rollout.py --workers {args.workers} --speed {args.speed:g}")
    return 0 if done.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
