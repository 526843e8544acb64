"""Reading one file (a cache miss): YAML, then the schema and value checks of each document."""

from __future__ import annotations

from reconciler.intent.build import check_values
from reconciler.intent.cache import FileResult
from reconciler.intent.document import NodeBudget
from reconciler.intent.problems import Problems
from reconciler.intent.validate import validate_document
from reconciler.intent.yamlread import read_documents


def read_file(path: str, content: bytes, budget: NodeBudget) -> FileResult:
    """Everything one file says on its own; the YAML events it reads are charged to `budget`."""
    problems = Problems()
    before = budget.nodes
    documents = read_documents(path, content, problems, budget)
    valid = [doc for doc in documents if validate_document(doc, problems)]
    for doc in documents:
        check_values(doc, problems)
    return FileResult(
        nodes=before - budget.nodes,
        problems=tuple(problems.of(path)),
        documents=tuple((doc.data, doc.line, doc.column) for doc in valid),
    )
