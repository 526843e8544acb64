"""Benchmark: seconds spent importing modules (`python -X importtime`, the sum of every module's own
time) for `reconciler validate`, and for the modules `reconciler plan` loads (CLI, pass, cluster client,
reports); and the wall time of `plan`'s start-up in a fresh process, up to its first request to the
cluster: the interpreter, those imports, and building and parsing the command line (LAYERING_*
settings included). The best of RUNS runs, since other load on the machine only adds time.

    .venv/bin/python benchmarks/import_time.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import PYTHON, ROOT, load, precompile

RUNS = 5
PLAN_MODULES = ("reconciler.cli", "reconciler.controller.commands", "reconciler.controller.reconcile",
                "reconciler.cluster.adapter", "reconciler.report", "reconciler.source")

START_UP = f"""
from reconciler import cli, settings, logs
parser = cli.build_parser()
args = settings.parse(parser, ["plan", "--repo", "example-repo"])
logs.configure(args.verbose, args.log_format)
settings.unknown_variables(parser)
import {', '.join(PLAN_MODULES)}
"""


def import_seconds(argv: list[str]) -> float:
    done = subprocess.run([PYTHON, "-X", "importtime", *argv], cwd=ROOT, capture_output=True, text=True)
    total = 0
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            total += int(line.split("|")[0].split(":")[1])
    return total / 1e6


def best(argv: list[str]) -> float:
    return min(import_seconds(argv) for _ in range(RUNS))


def start_up_seconds() -> float:
    """The wall time of a process that starts as `reconciler plan` does, until it would connect."""
    began = time.perf_counter()
    subprocess.run([PYTHON, "-c", START_UP], cwd=ROOT, check=True)
    return time.perf_counter() - began


def main() -> int:
    precompile()
    print(f"import time, best of {RUNS}; {load()}")
    print(f"  reconciler validate:      {best(['-m', 'reconciler', 'validate', 'example-repo']):.2f} s")
    print(f"  modules of reconciler plan: {best(['-c', 'import ' + ', '.join(PLAN_MODULES)]):.2f} s")
    print(f"  plan's start-up (process wall time to its first request): "
          f"{min(start_up_seconds() for _ in range(RUNS)):.3f} s")
    print("rerun: .venv/bin/python benchmarks/import_time.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
