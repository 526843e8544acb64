"""Loading the desired state from a repository snapshot: YAML safety, JSON Schema, semantic checks.

load_desired(snapshot) -> DesiredState   raises InvalidInput(["path:line:col: message", ...])
check(snapshot) -> list[str]             every problem, sorted by file and line; [] when valid
analyse(snapshot) -> (problems, DesiredState)   both at once (the state is only usable without problems)
summary(snapshot, desired) -> str        what was found: "2 bindings in 1 file, policy from layering.yaml"
"""

from __future__ import annotations

from reconciler.errors import InvalidInput
from reconciler.intent.build import build, check_values
from reconciler.intent.fields import duration_problem, duration_syntax_problem, parse_duration
from reconciler.intent.problems import Problems, excerpt
from reconciler.intent.validate import POLICY_FILE, validate_document
from reconciler.intent.yamlread import Document, NodeBudget, read_documents
from reconciler.model import DesiredState, Snapshot

__all__ = [
    "analyse",
    "check",
    "duration_problem",
    "duration_syntax_problem",
    "excerpt",
    "load_desired",
    "parse_duration",
    "summary",
]


def load_desired(snapshot: Snapshot) -> DesiredState:
    problems, desired = _analyse(snapshot)
    if problems:
        raise InvalidInput(problems)
    return desired


def check(snapshot: Snapshot) -> list[str]:
    return _analyse(snapshot)[0]


def analyse(snapshot: Snapshot) -> tuple[list[str], DesiredState]:
    return _analyse(snapshot)


def summary(snapshot: Snapshot, desired: DesiredState) -> str:
    count, files = len(desired.bindings), len({b.location.path for b in desired.bindings})
    policy = f"policy from {POLICY_FILE}" if POLICY_FILE in snapshot.files else "default policy"
    return f"{_plural(count, 'binding')} in {_plural(files, 'file')}, {policy}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _analyse(snapshot: Snapshot) -> tuple[list[str], DesiredState]:
    problems = Problems()
    for refused in snapshot.problems:
        problems.add_source_problem(refused)
    documents: list[Document] = []
    budget = NodeBudget()
    for path in sorted(p for p in snapshot.files if _is_input(p)):
        documents.extend(read_documents(path, snapshot.files[path], problems, budget))
    valid = [doc for doc in documents if validate_document(doc, problems)]
    for doc in documents:
        check_values(doc, problems)
    bindings, policy = build(valid, problems.touches(POLICY_FILE), problems)
    desired = DesiredState(repo=snapshot.repo, commit=snapshot.commit, bindings=bindings, policy=policy)
    return problems.rendered(), desired


def _is_input(path: str) -> bool:
    return path == POLICY_FILE or (path.startswith("bindings/") and path.endswith((".yaml", ".yml")))
