"""A document read from a bindings file, and the kinds each file holds (no YAML or schema library)."""

from __future__ import annotations

from typing import Any

from reconciler.records import record

POLICY_FILE = "layering.yaml"
BINDING = "PoolImageBinding"
MAX_REPOSITORY_NODES = 20_000  # YAML nodes of every file together (a node costs the pass ~0.1 ms)
POLICY = "LayeringPolicy"


def expected_kind(path: str) -> str:
    return POLICY if path == POLICY_FILE else BINDING


@record
class Document:
    path: str
    data: Any  # a mapping with line/column data (`.lc`) for a well-formed document
    line: int  # 1-based start of the document's root node
    column: int

    @property
    def kind(self) -> object:
        return self.data.get("kind") if isinstance(self.data, dict) else None


class NodeBudget:
    """YAML nodes left to parse for a whole repository."""

    def __init__(self, nodes: int = MAX_REPOSITORY_NODES) -> None:
        self.nodes = nodes
