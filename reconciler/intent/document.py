"""A document read from a bindings file, the positioned data it holds, and the kinds each file holds
(no YAML or schema library)."""

from __future__ import annotations

from typing import Any

from reconciler.records import record

POLICY_FILE = "layering.yaml"
BINDING = "PoolImageBinding"
MAX_REPOSITORY_NODES = 20_000  # YAML nodes of every file together (a node costs the pass ~0.1 ms)
POLICY = "LayeringPolicy"
Position = tuple[int, int]  # 0-based line, column


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


class Places:
    """Positions as ruamel's `.lc` gives them (0-based): the node's own, its keys', values' and items'."""

    def __init__(self, line: int | None, col: int | None) -> None:
        self.line, self.col = line, col
        self.keys: dict[str, Position | None] = {}
        self.values: dict[str, Position | None] = {}
        self.items: dict[int, Position | None] = {}

    def key(self, name: str) -> Position:
        return _found(self.keys.get(name))

    def value(self, name: str) -> Position:
        return _found(self.values.get(name))

    def item(self, index: int) -> Position:
        return _found(self.items.get(index))


def _found(position: Position | None) -> Position:
    if position is None:
        raise KeyError("no position")
    return position


class PlacedMap(dict[str, Any]):
    """A mapping of a document read without ruamel (a cache entry, libyaml), placed like ruamel's."""

    lc: Places


class PlacedList(list[Any]):
    lc: Places
