"""Collecting problems as (path, line, column, message) and rendering `path:line:col: message`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reconciler.model import Location

NodePath = Sequence[str | int]
EXCERPT_CHARS = 60


def excerpt(value: object, limit: int = EXCERPT_CHARS, quotes: bool = True) -> str:
    """A user value fit for a one-line message: at most `limit` characters, control characters escaped."""
    text = str(value)
    short = text if len(text) <= limit else text[:limit] + "…"
    escaped = one_line(short)
    return f"'{escaped}'" if quotes else escaped


def one_line(text: str) -> str:
    """`text` with newlines and other unprintable characters written as escapes (`\\n`, `\\x1b`)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class Problems:
    def __init__(self) -> None:
        self._items: list[tuple[str, int, int, str]] = []

    def add(self, path: str, line: int, column: int, message: str) -> None:
        self._items.append((path, line, column, message))

    def add_source_problem(self, text: str) -> None:
        """A `path: message` refusal from the source stage (whole file, no line)."""
        path, _, message = text.partition(": ")
        self.add(path, 0, 0, message or text)

    def at(self, path: str, root: Any, node: NodePath, message: str, key: bool = False) -> None:
        """A problem at a node of a loaded document (its key when `key`), found through ruamel's `.lc`."""
        line, column = position(root, node, key)
        self.add(path, line, column, message)

    def of(self, path: str) -> list[tuple[int, int, str]]:
        """(line, column, message) of every problem in `path`."""
        return [(line, column, message) for found, line, column, message in self._items if found == path]

    def add_all(self, path: str, found: Sequence[tuple[int, int, str]]) -> None:
        self._items.extend((path, line, column, message) for line, column, message in found)

    def touches(self, path: str) -> bool:
        return any(item[0] == path for item in self._items)

    def rendered(self) -> list[str]:
        unique = sorted(set(self._items))
        return [one_line(f"{Location(path, line, column)}: {message}") for path, line, column, message in unique]


def position(root: Any, node: NodePath, key: bool = False) -> tuple[int, int]:
    """1-based line and column of the node at `node` below `root` (the deepest one that exists)."""
    line, column = _start(root)
    current = root
    for index, step in enumerate(node):
        last = index == len(node) - 1
        found = _child_position(current, step, key and last)
        if found is None:
            break
        line, column = found
        current = current[step]
    return line + 1, column + 1


def _start(root: Any) -> tuple[int, int]:
    lc = getattr(root, "lc", None)
    return (lc.line or 0, lc.col or 0) if lc is not None and lc.line is not None else (0, 0)


def _child_position(container: Any, step: str | int, key: bool) -> tuple[int, int] | None:
    lc = getattr(container, "lc", None)
    if lc is None:
        return None
    try:
        if isinstance(container, dict) and step in container:
            found = lc.key(step) if key else lc.value(step)
        elif isinstance(container, list) and isinstance(step, int) and 0 <= step < len(container):
            found = lc.item(step)
        else:
            return None
    except (KeyError, IndexError, TypeError):
        return None
    return (int(found[0]), int(found[1])) if found else None
