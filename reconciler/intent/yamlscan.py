"""The checks of a YAML event stream, as a composer takes it, whichever parser produced it.

Each event is checked before anything is built from it: no anchors, aliases, custom tags,
directives, dates or duplicate keys, and the size bounds (nesting depth, node count per file and
per repository, key and scalar lengths). A bound exceeded means: stop reading. ruamel's parser and
libyaml's (PyYAML) emit events of the same names and fields; `kinds_of` maps either's classes.
"""

from __future__ import annotations

from enum import Enum
from types import ModuleType
from typing import Any

from ruamel.yaml.nodes import ScalarNode

from reconciler.intent.document import MAX_REPOSITORY_NODES, NodeBudget
from reconciler.intent.problems import Problems, excerpt

MAX_DEPTH = 20
MAX_NODES = 5_000  # per file: some 300 bindings
MAX_KEY_CHARS = 317  # a Kubernetes label key: DNS prefix, '/', name
MAX_SCALAR_CHARS = 65_536
MAX_NUMBER_CHARS = 40  # a plain number longer than this is refused before int() or float() sees it
TAG = "tag:yaml.org,2002:"  # the prefix of the standard tags (`!!int` and the rest)
STANDARD_TAGS = frozenset(TAG + name for name in ("str", "int", "float", "bool", "null", "map", "seq"))


class Kind(Enum):
    STREAM_START = "StreamStartEvent"
    STREAM_END = "StreamEndEvent"
    DOCUMENT_START = "DocumentStartEvent"
    DOCUMENT_END = "DocumentEndEvent"
    MAPPING_START = "MappingStartEvent"
    MAPPING_END = "MappingEndEvent"
    SEQUENCE_START = "SequenceStartEvent"
    SEQUENCE_END = "SequenceEndEvent"
    SCALAR = "ScalarEvent"
    ALIAS = "AliasEvent"


_TYPE_WORDS = {"int": "an integer", "float": "a number", "bool": "true or false", "null": "null"}
_FITS = {TAG + name: {TAG + name} for name in _TYPE_WORDS} | {TAG + "float": {TAG + "float", TAG + "int"}}
# tuples, not sets: `in` compares members by identity, where a set would hash each through Enum's Python __hash__
STARTS = (Kind.MAPPING_START, Kind.SEQUENCE_START)
ENDS = (Kind.MAPPING_END, Kind.SEQUENCE_END)
_NODES = (*STARTS, Kind.SCALAR, Kind.ALIAS)


def kinds_of(events: ModuleType) -> dict[type, Kind]:
    """The event classes of a parser's `events` module, by kind."""
    return {getattr(events, kind.value): kind for kind in Kind}


class _Frame:
    def __init__(self, mapping: bool) -> None:
        self.mapping = mapping
        self.expect_key = mapping
        self.keys: dict[str, int] = {}


class EventScan:
    """Follows the event stream, tracking mapping keys per level, and records what is refused.

    `plain_tag` is the tag the last plain scalar resolves to (None after any other event)."""

    def __init__(self, path: str, problems: Problems, budget: NodeBudget, resolver: Any,
                 kinds: dict[type, Kind]) -> None:
        self.path = path
        self.budget = budget
        self.resolver = resolver  # ruamel's: YAML 1.2 resolution of plain scalars
        self.kinds = kinds
        self.problems = problems
        self.failed = False
        self.starts: list[tuple[int, int]] = []
        self.stack: list[_Frame] = []
        self.nodes = 0
        self.over_bound = False  # a size bound was exceeded: stop reading
        self.plain_tag: str | None = None

    def refuse(self, event: Any, message: str) -> None:
        mark = event.start_mark
        self.problems.add(self.path, mark.line + 1, mark.column + 1, message)
        self.failed = True

    def exceed(self, event: Any, message: str) -> None:
        self.refuse(event, message)
        self.over_bound = True

    def feed(self, event: Any) -> Kind:
        """Check one event; its kind."""
        kind = self.kinds[type(event)]
        self.nodes += 1
        self.budget.nodes -= 1
        self.plain_tag = None
        if self.nodes > MAX_NODES:
            self.exceed(event, f"more than {MAX_NODES} YAML nodes in one file; split it")
        elif self.budget.nodes < 0:
            self.exceed(event, f"more than {MAX_REPOSITORY_NODES} YAML nodes in the repository; refused")
        elif kind is Kind.DOCUMENT_START:
            self.stack = []
            if getattr(event, "version", None) or getattr(event, "tags", None):
                self.refuse(event, "YAML directives (%YAML, %TAG) are not allowed; files are read as YAML 1.2")
        elif kind is Kind.SCALAR and len(event.value) > MAX_SCALAR_CHARS:
            self.exceed(event, f"a value of {len(event.value)} characters, over the {MAX_SCALAR_CHARS} limit")
        elif kind in _NODES:
            self._node(event, kind)
        elif kind in ENDS:
            self.stack.pop()
            self._node_done()
        return kind

    def _node(self, event: Any, kind: Kind) -> None:
        self._node_start(event, kind)
        if kind in STARTS:
            self._push(event, kind is Kind.MAPPING_START)
        else:
            self._node_done()

    def _node_start(self, event: Any, kind: Kind) -> None:
        if not self.stack:
            self.starts.append((event.start_mark.line + 1, event.start_mark.column + 1))
        if kind is Kind.ALIAS:
            self.refuse(event, f"YAML alias {excerpt('*' + str(event.anchor))} is not allowed; write the value out")
            return
        if event.anchor:
            anchor = excerpt("&" + str(event.anchor))
            self.refuse(event, f"YAML anchor {anchor} is not allowed; write values out in full")
        tag = _tag_of(event)
        if tag and tag not in STANDARD_TAGS:
            self.refuse(event, f"YAML tag {excerpt(tag)} is not allowed")
        if kind is Kind.SCALAR and (event.implicit[0] or tag in _FITS):
            self._check_scalar(event, tag)
        top = self.stack[-1] if self.stack else None
        if top is not None and top.expect_key and kind is Kind.SCALAR:
            self._check_key(top, event)

    def _check_scalar(self, event: Any, tag: str | None) -> None:
        """Plain scalars that would become dates, typed ones their value does not fit, or numbers too
        long to convert cheaply."""
        resolved = str(self.resolver.resolve(ScalarNode, event.value, (True, False)))
        if tag is None:
            self.plain_tag = resolved
        if tag is None and resolved.endswith(":timestamp"):
            self.refuse(event, f"{excerpt(event.value)} reads as a date or time; quote it to write text")
        elif tag in _FITS and resolved not in _FITS[tag]:
            name = tag.removeprefix(TAG)
            self.refuse(event, f"{excerpt(event.value)} is not {_TYPE_WORDS[name]}, as its tag !!{name} says")
        elif resolved.endswith((":int", ":float")) and len(event.value) > MAX_NUMBER_CHARS:
            self.refuse(event, f"a number of {len(event.value)} characters, over the {MAX_NUMBER_CHARS} limit")

    def _check_key(self, frame: _Frame, event: Any) -> None:
        if len(event.value) > MAX_KEY_CHARS:
            self.exceed(event, f"a key of {len(event.value)} characters, over the {MAX_KEY_CHARS} limit")
            return
        first = frame.keys.get(event.value)
        if first is not None:
            self.refuse(event, f"duplicate key {excerpt(event.value)} (first on line {first})")
        else:
            frame.keys[event.value] = event.start_mark.line + 1

    def _push(self, event: Any, mapping: bool) -> None:
        self.stack.append(_Frame(mapping))
        if len(self.stack) > MAX_DEPTH:
            self.exceed(event, f"nested more than {MAX_DEPTH} levels deep")

    def _node_done(self) -> None:
        if self.stack and self.stack[-1].mapping:
            self.stack[-1].expect_key = not self.stack[-1].expect_key


def _tag_of(event: Any) -> str | None:
    tag = getattr(event, "ctag", None) or getattr(event, "tag", None)
    if tag is None:
        return None
    return str(getattr(tag, "value", None) or tag)
