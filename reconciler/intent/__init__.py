"""Loading the desired state from a repository snapshot: YAML safety, JSON Schema, semantic checks.

load_desired(snapshot) -> DesiredState   raises InvalidInput(["path:line:col: message", ...])
check(snapshot) -> list[str]             every problem, sorted by file and line; [] when valid
"""

from __future__ import annotations

from reconciler.errors import InvalidInput
from reconciler.intent.build import build, check_values
from reconciler.intent.fields import parse_duration
from reconciler.intent.problems import Problems
from reconciler.intent.validate import POLICY_FILE, validate_document
from reconciler.intent.yamlread import Document, NodeBudget, read_documents
from reconciler.model import DesiredState, Snapshot

__all__ = ["check", "load_desired", "parse_duration"]


def load_desired(snapshot: Snapshot) -> DesiredState:
    problems, desired = _analyse(snapshot)
    if problems:
        raise InvalidInput(problems)
    return desired


def check(snapshot: Snapshot) -> list[str]:
    return _analyse(snapshot)[0]


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
