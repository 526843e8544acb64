"""Benchmark: reading and parsing a bindings repository of N bindings (one file per pool), with an
empty (cold) and a filled (warm) parse cache, each in a fresh process as a CLI call runs it:
`reconciler validate` (wall time of the whole command) and the source + intent part of `plan`
(the repository read at its commit, then loaded), for a local path and a file:// URL (clone cache).
Then how many blobs a warm run reads from git (none: each file's parse is cached, the whole analysis
in one entry), and one binding file changed in a new commit: how many files are parsed again and
blobs read. Import seconds
(`python -X importtime`, the sum of every module's own time) of the warm runs. Best of RUNS.

    .venv/bin/python benchmarks/parse_cache.py [N]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import IMAGE, PYTHON, ROOT, git_repo, load, pool_names

RUNS = 5
PROBE = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from reconciler.intent import ParseCache, load_desired
from reconciler.source import GitSource
cache = ParseCache(Path(sys.argv[2]) / "parsed")
read_at = time.perf_counter()
snapshot = GitSource(sys.argv[1], cache_dir=Path(sys.argv[2])).snapshot()
load_at = time.perf_counter()
desired = load_desired(snapshot, cache)
done_at = time.perf_counter()
print(json.dumps({"seconds": done_at - started, "read": load_at - read_at, "load": done_at - load_at,
                  "bindings": len(desired.bindings),
                  "parses": cache.parses, "hits": cache.hits, "analyses": getattr(cache, "analyses", 0),
                  "blobs_read": getattr(snapshot.files, "blobs_read", len(snapshot.files))}))
"""


def probe(source: str, cache: Path) -> dict[str, float]:
    """One fresh process reading `source` with the parse cache in `cache`: seconds, counts."""
    done = subprocess.run([PYTHON, "-c", PROBE, source, str(cache)], capture_output=True, text=True, check=True)
    reply: dict[str, float] = json.loads(done.stdout)
    return reply


def _probe_seconds(source: str, cache: Path) -> float:
    return probe(source, cache)["seconds"]


def wall(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True, cwd=ROOT)
    return time.perf_counter() - started


def import_seconds(argv: list[str]) -> float:
    done = subprocess.run([PYTHON, "-X", "importtime", *argv], cwd=ROOT, capture_output=True, text=True)
    return sum(int(line.split("|")[0].split(":")[1]) for line in done.stderr.splitlines()
               if line.startswith("import time:") and "self [us]" not in line) / 1e6


def cold_and_warm(measure: Callable[[Path], float], make_cache: Callable[[], Path]) -> tuple[float, float]:
    cold, warm = [], []
    for _ in range(RUNS):
        cache = make_cache()
        cold.append(measure(cache))
        warm.append(measure(cache))
    return min(cold), min(warm)


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory(prefix="bench-parse-") as tmp:
        root = Path(tmp)
        repo = git_repo(root / "repo", {pool: IMAGE for pool in pool_names(count)})
        caches = iter(range(10**6))

        def fresh() -> Path:
            return root / f"cache-{next(caches)}"

        print(f"parse cache, {count} bindings in {count} files + layering.yaml, best of {RUNS}; {load()}")
        validate = [PYTHON, "-m", "reconciler", "validate", str(repo), "--cache-dir"]
        cold, warm = cold_and_warm(lambda c: wall([*validate, str(c)]), fresh)
        print(f"  reconciler validate (whole process):     cold {cold:.3f} s   warm {warm:.3f} s")
        for label, source in (("local path", str(repo)), ("file:// URL", f"file://{repo}")):
            cold, warm = cold_and_warm(partial(_probe_seconds, source), fresh)
            print(f"  plan's source + intent, {label + ':':12}  cold {cold:.3f} s   warm {warm:.3f} s"
                  "   (after interpreter start)")
        cache = fresh()
        probe(str(repo), cache)
        warm = [probe(str(repo), cache) for _ in range(RUNS)]
        print(f"  warm, local path: {warm[0]['blobs_read']:.0f} blobs read from git, {warm[0]['parses']:.0f} files"
              f" parsed, {warm[0]['analyses']:.0f} analysis found whole; reading the commit"
              f" {min(w['read'] for w in warm) * 1000:.1f} ms, loading it {min(w['load'] for w in warm) * 1000:.1f} ms")
        changed = repo / "bindings" / f"{pool_names(count)[count // 2]}.yaml"
        changed.write_text(changed.read_text() + "  stage: 1\n")
        subprocess.run(["git", "-c", "user.email=b@example.com", "-c", "user.name=bench", "commit", "-qam",
                        "one binding changed"], cwd=repo, check=True)
        after = probe(str(repo), cache)
        print(f"  one file changed in a new commit: {after['parses']:.0f} file parsed, {after['hits']:.0f} from"
              f" the cache, {after['blobs_read']:.0f} blob read from git, {after['seconds']:.3f} s")
        warm_validate = min(import_seconds(["-m", "reconciler", "validate", str(repo), "--cache-dir", str(cache)])
                            for _ in range(RUNS))
        warm_probe = min(import_seconds(["-c", PROBE, str(repo), str(cache)]) for _ in range(RUNS))
        print(f"  import seconds, warm: validate {warm_validate:.3f} s, plan's source + intent {warm_probe:.3f} s")
    print("rerun: .venv/bin/python benchmarks/parse_cache.py", count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
