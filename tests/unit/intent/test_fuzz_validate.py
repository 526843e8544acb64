"""Property-based: `validate` never crashes and locates every problem; what it accepts, plan and the
rollout decision of a sync take without crashing.

The default suite runs a small fixed budget; `scripts/fuzz N` runs the same properties with N
examples. Inputs a long run found are kept below as explicit examples (the regression corpus).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from fuzz_trees import trees
from hypothesis import HealthCheck, event, example, given, settings

from reconciler.controller.windows import window_times
from reconciler.intent import analyse, load_desired
from reconciler.model import LiveState, PoolState
from reconciler.plan import make_plan
from reconciler.rollout import Memory, WindowStatus, decide
from reconciler.source import read_directory

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
LOCATED = re.compile(r"^(?P<path>[^:]+)(?::(?P<line>\d+)(?::(?P<column>\d+))?)?: \S")
LIVE = LiveState("quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "b" * 64, "4.16.3", (), tuple(
    PoolState(name, (name,) if name != "infra" else ("worker", "infra"), machine_count=2)
    for name in ("master", "worker", "infra", "canary")
))
NOW = 1_767_225_600.0  # 2026-01-01

# inputs found by fuzzing, kept as regression cases
_HUGE_WINDOW = (b"apiVersion: layering.gitops.dev/v1alpha1\nkind: LayeringPolicy\nmetadata: {name: d}\n"
                b"spec:\n  windows:\n  - {name: w, schedule: '* * * * *', duration: 99999999999999999h}\n")
_NEVER_FIRES = _HUGE_WINDOW.replace(b"'* * * * *'", b"'0 0 30 2 *'").replace(b"99999999999999999h", b"1h")
_DEEP_FLOW = b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n"
_NEWLINE_KEY = b'"a\\nb": 1\n'
_BAD_DATE = b"kind: PoolImageBinding\nmetadata: {name: 2001-02-30}\n"
_LONG_INT = b"a: " + b"9" * 5000 + b"\n"


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
@example({"layering.yaml": _HUGE_WINDOW})
@example({"layering.yaml": _NEVER_FIRES})
@example({"bindings/deep.yaml": _DEEP_FLOW})
@example({"bindings/worker.yaml": _NEWLINE_KEY})
@example({"bindings/worker.yml.bak": b"kind: PoolImageBinding\n"})
@example({"bindings/worker.yaml": _BAD_DATE})
@example({"layering.yaml": _LONG_INT})
@example({"bindings/worker.yaml": b"\x00"})
def test_validate_never_crashes_and_locates_every_problem(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_tree(root, files)
        snapshot = read_directory(root)
    problems, desired = analyse(snapshot)
    lines = {path: content.count(b"\n") + 1 for path, content in files.items()}
    for problem in problems:
        assert "\n" not in problem and problem.isprintable(), problem
        located = LOCATED.match(problem)
        assert located, problem
        path = located["path"]
        assert path in files or any(p.startswith(path + "/") for p in files), problem
        if located["line"] and path in lines:
            assert 1 <= int(located["line"]) <= lines[path], problem
    event("refused" if problems else "accepted")
    if problems:
        return
    # accepted: every file under bindings/ is read (or an empty placeholder), and plan takes it
    for path, content in files.items():
        if path.startswith("bindings/"):
            assert path.endswith((".yaml", ".yml")) or (path.endswith(".gitkeep") and not content), path
    accepted = load_desired(snapshot)
    assert accepted == desired
    plan = make_plan(accepted, LIVE)
    windows = {}
    for window in accepted.policy.windows:
        times = window_times(window, NOW)
        assert times.open or times.opens_at is not None
        windows[window.name] = WindowStatus(window.name, times.open, times.opens_at, times.closes_at)
    decide(plan, accepted, LIVE, Memory(), windows, NOW)  # the pass a sync would run
