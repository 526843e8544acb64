"""Loading the desired state from a repository snapshot: YAML safety, JSON Schema, semantic checks.

load_desired(snapshot) -> DesiredState   raises InvalidInput(["path:line:col: message", ...])
check(snapshot) -> list[str]             every problem, sorted by file and line; [] when valid
analyse(snapshot) -> (problems, DesiredState)   both at once (the state is only usable without problems)
summary(snapshot, desired) -> str        what was found: "2 bindings in 1 file, policy from layering.yaml"

Each takes an optional ParseCache: a commit whose files were all analysed together before is not
analysed again; else a file whose blob was read before (in this process, or on disk) is not parsed
or schema-checked again, nor is its content read (a commit's contents are read on demand), and then
neither ruamel.yaml nor jsonschema is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from reconciler.errors import InvalidInput
from reconciler.intent.build import build
from reconciler.intent.cache import FileResult, ParseCache
from reconciler.intent.document import POLICY_FILE, Document, NodeBudget
from reconciler.intent.fields import duration_problem, duration_syntax_problem, parse_duration
from reconciler.intent.problems import Problems, excerpt
from reconciler.model import DesiredState, Snapshot

__all__ = [
    "ParseCache",
    "analyse",
    "check",
    "duration_problem",
    "duration_syntax_problem",
    "excerpt",
    "load_desired",
    "parse_duration",
    "summary",
]


def load_desired(snapshot: Snapshot, cache: ParseCache | None = None) -> DesiredState:
    problems, desired = _analyse(snapshot, cache)
    if problems:
        raise InvalidInput(problems)
    return desired


def check(snapshot: Snapshot, cache: ParseCache | None = None) -> list[str]:
    return _analyse(snapshot, cache)[0]


def analyse(snapshot: Snapshot, cache: ParseCache | None = None) -> tuple[list[str], DesiredState]:
    return _analyse(snapshot, cache)


def summary(snapshot: Snapshot, desired: DesiredState) -> str:
    count, files = len(desired.bindings), len({b.location.path for b in desired.bindings})
    policy = f"policy from {POLICY_FILE}" if POLICY_FILE in snapshot.files else "default policy"
    return f"{_plural(count, 'binding')} in {_plural(files, 'file')}, {policy}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _analyse(snapshot: Snapshot, cache: ParseCache | None) -> tuple[list[str], DesiredState]:
    inputs = sorted(p for p in snapshot.files if _is_input(p))
    if cache is None:
        return _analyse_files(snapshot, inputs, {}, None)
    blobs = {path: snapshot.blob(path) for path in inputs}
    key = ParseCache.analysis_key(blobs, snapshot.problems)
    known = cache.get_analysis(key, len(inputs))
    if known is not None:
        problems, desired = known
        return problems, replace(desired, repo=snapshot.repo, commit=snapshot.commit)
    keys = {path: ParseCache.key(blob, path) for path, blob in blobs.items()}
    problems, desired = _analyse_files(snapshot, inputs, keys, cache)
    cache.put_analysis(key, problems, desired)
    cache.finish()
    return problems, desired


def _analyse_files(snapshot: Snapshot, inputs: list[str], keys: Mapping[str, str],
                   cache: ParseCache | None) -> tuple[list[str], DesiredState]:
    """Each input file from the cache or parsed (the contents of the files the cache lacks are read in
    one go), then the checks across files."""
    problems = Problems()
    for refused in snapshot.problems:
        problems.add_source_problem(refused)
    found = {path: cache.get(keys[path]) for path in inputs} if cache is not None else {}
    contents = snapshot.read([path for path in inputs if found.get(path) is None])
    valid: list[Document] = []
    budget = NodeBudget()
    for path in inputs:
        cached = found.get(path)
        if cached is not None and budget.nodes >= cached.nodes:
            budget.nodes -= cached.nodes
            result = cached
            assert cache is not None
            cache.hits += 1
        else:  # not cached, or it was and the budget left is smaller than its count: read it here
            content = contents[path] if path in contents else snapshot.files[path]
            result = _parse(path, content, budget, cache, keys.get(path, ""))
        problems.add_all(path, result.problems)
        valid.extend(result.at(path))
    bindings, policy = build(valid, problems.touches(POLICY_FILE), problems)
    desired = DesiredState(repo=snapshot.repo, commit=snapshot.commit, bindings=bindings, policy=policy)
    return problems.rendered(), desired


def _parse(path: str, content: bytes, budget: NodeBudget, cache: ParseCache | None, key: str) -> FileResult:
    """The file read (and cached unless the repository's budget ran out in it: that result depends on
    the files before)."""
    from reconciler.intent.files import read_file  # ruamel.yaml and jsonschema: only for a miss

    result = read_file(path, content, budget)
    if cache is not None:
        cache.parses += 1
        if budget.nodes >= 0:
            cache.put(key, result)
    return result


def _is_input(path: str) -> bool:
    return path == POLICY_FILE or (path.startswith("bindings/") and path.endswith((".yaml", ".yml")))
