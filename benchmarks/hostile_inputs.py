"""Benchmark: the cost of hostile repository inputs, each bounded before it is parsed or walked.

    .venv/bin/python benchmarks/hostile_inputs.py

Prints, per input, the seconds `check` takes on it (files just under the 1 MiB limit), and the
seconds of `window_times` for the widest windows validation accepts.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reconciler.controller.windows import window_times
from reconciler.intent import check
from reconciler.intent.cron import normalize_crontab
from reconciler.model import Snapshot, Window

MIB = 1024 * 1024 - 64
INPUTS = {
    "flow nesting [[[...": "a: " + "[" * (MIB // 2) + "]" * (MIB // 2),
    "flow nesting {a: {a: ...": "a: " + "{a: " * (MIB // 4),
    "block nesting": "".join(" " * i + "a:\n" for i in range(1400)),
    "one flow list of 500k items": "a: [" + "1," * (MIB // 2 - 4) + "]",
    "260k empty documents": "---\n" * (MIB // 4),
    "a 1 MiB key": "k" * MIB + ": 1",
    "a 1 MiB scalar": "a: " + "x" * MIB,
    "100k keys": "".join(f"k{i}: 1\n" for i in range(MIB // 10)),
}


def main() -> None:
    print(f"{'input (one file, ~1 MiB)':34} {'seconds':>8}  first problem")
    for name, text in INPUTS.items():
        snapshot = Snapshot("bench", "", {"bindings/x.yaml": text[:MIB].encode()})
        started = time.perf_counter()
        problems = check(snapshot)
        print(f"{name:34} {time.perf_counter() - started:8.2f}  {problems[0][:70] if problems else '-'}")
    many = {f"bindings/f{i}.yaml": ("a: [" + "1," * 4_500 + "]").encode() for i in range(20)}
    started = time.perf_counter()
    problems = check(Snapshot("bench", "", many))
    print(f"{'20 files of 4.5k nodes each':34} {time.perf_counter() - started:8.2f}  {problems[-1][:70]}")
    print(f"\n{'window (widest accepted)':34} {'seconds':>8}")
    for schedule in ("* * * * *", "*/5 * * * *", "0 22 * * 1-5"):
        window = Window("w", normalize_crontab(schedule), 30 * 86400, "Europe/Berlin")
        started = time.perf_counter()
        for offset in range(100):
            window_times(window, 1_767_225_600.0 + offset * 3_607)
        print(f"{schedule + ', 30d':34} {(time.perf_counter() - started) / 100:8.4f}  per call")


if __name__ == "__main__":
    main()
