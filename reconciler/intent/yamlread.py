"""Safe reading of YAML files: UTF-8 only, no tabs, no anchors/aliases/custom tags, no duplicate keys.

One pass over the parser's events: each event is checked (those problems, and the size bounds:
nesting depth, node count, key and scalar lengths) as ruamel's composer takes it, before the
composer builds anything from it. Reading stops at the first bound exceeded, so no hostile file
costs more than a bounded prefix of work and no alias bomb is ever built; after any other refusal
the rest of the events are only checked (every problem of the file is reported, nothing is built).
Only a clean file is constructed, from the composed nodes, with ruamel's round-trip constructor,
which keeps line/column data.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.docinfo import DocInfo, version
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
)
from ruamel.yaml.nodes import Node, ScalarNode
from ruamel.yaml.parser import RoundTripParser
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import BaseResolver

from reconciler.intent.document import MAX_REPOSITORY_NODES, Document, NodeBudget
from reconciler.intent.problems import Problems, excerpt

MAX_DEPTH = 20
MAX_NODES = 5_000  # per file: some 300 bindings
MAX_KEY_CHARS = 317  # a Kubernetes label key: DNS prefix, '/', name
MAX_SCALAR_CHARS = 65_536
MAX_NUMBER_CHARS = 40  # a plain number longer than this is refused before int() or float() sees it
__all__ = ["MAX_NODES", "MAX_REPOSITORY_NODES", "Document", "NodeBudget", "read_documents"]
_STANDARD_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")
}


def read_documents(path: str, content: bytes, problems: Problems, budget: NodeBudget | None = None) -> list[Document]:
    """The non-empty documents of one file; problems recorded and [] when the file is refused."""
    text = _decode(path, content, problems)
    if text is None or _has_tabs(path, text, problems):
        return []
    yaml = _YAML(typ="rt")
    yaml.Parser = _CheckedParser
    scan = _EventScan(path, problems, budget or NodeBudget(), yaml.resolver)
    composed = _compose(yaml, text, scan, problems)
    if composed is None:
        return []
    try:
        loaded = [yaml.constructor.construct_document(node) for node in composed]
    except MarkedYAMLError as exc:
        _add_marked(path, exc, problems)
        return []
    except (ValueError, OverflowError, TypeError) as exc:  # a value the event checks let through
        problems.add(path, 0, 0, f"invalid YAML value: {excerpt(exc, 100)}")
        return []
    return [
        Document(path, data, *start) for data, start in zip(loaded, scan.starts, strict=False) if data is not None
    ]


class _YAML(YAML):
    """ruamel's YAML, looking for its plug-ins once (it globs its directory for every instance: 2 % of
    the instructions of a cold parse of 500 small files)."""

    _plug_ins: list[Any] | None = None

    def official_plug_ins(self) -> list[Any]:
        if _YAML._plug_ins is None:
            _YAML._plug_ins = list(super().official_plug_ins())
        return _YAML._plug_ins


class _Refused(Exception):
    """An event was refused: stop composing."""


class _CheckedParser(RoundTripParser):
    """The round-trip parser, with every event the composer takes checked first."""

    scan: _EventScan | None = None

    def get_event(self) -> Any:
        event = super().get_event()
        if self.scan is not None and event is not None:
            self.scan.feed(event)
            if self.scan.failed:
                raise _Refused
        return event


def _compose(yaml: YAML, text: str, scan: _EventScan, problems: Problems) -> list[Node] | None:
    """Root nodes of every document, or None when an event was refused (then only checked to the end)."""
    yaml.doc_infos.append(DocInfo(requested_version=version(yaml.version)))
    try:
        constructor, parser = yaml.get_constructor_parser(text)  # the reader checks every character here
    except ReaderError as exc:
        _add_unreadable(scan.path, text, exc, problems)
        return None
    parser.scan = scan
    nodes: list[Node] = []
    try:
        try:
            while constructor.composer.check_node():
                nodes.append(constructor.composer.get_node())
            while parser.check_event():  # the stream end, which the composer only peeks at
                parser.get_event()
        except _Refused:
            if scan.over_bound:
                return None
            parser.scan = None
            while parser.check_event():
                scan.feed(parser.get_event())
                if scan.over_bound:
                    return None
    except MarkedYAMLError as exc:
        _add_marked(scan.path, exc, problems)
        return None
    except YAMLError as exc:
        problems.add(scan.path, 0, 0, f"invalid YAML: {exc}".replace("\n", " "))
        return None
    return None if scan.failed else nodes


def _decode(path: str, content: bytes, problems: Problems) -> str | None:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        column = exc.start - (content.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.add(
            path, line, column, f"not valid UTF-8 (byte 0x{content[exc.start]:02x}); save the file as UTF-8"
        )
        return None


def _add_unreadable(path: str, text: str, exc: ReaderError, problems: Problems) -> None:
    """A character YAML does not allow in a stream (NUL, most control characters), at its place."""
    at = exc.position if isinstance(exc.position, int) else 0
    line, column = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
    character = f"U+{exc.character:04X}" if isinstance(exc.character, int) else excerpt(exc.character)
    problems.add(path, line, column, f"the character {character} is not allowed in YAML; remove it")


def _has_tabs(path: str, text: str, problems: Problems) -> bool:
    found = False
    for number, line in enumerate(text.splitlines(), start=1):
        if "\t" in line:
            problems.add(
                path, number, line.index("\t") + 1, "tab character; YAML must be indented with spaces"
            )
            found = True
    return found


def _add_marked(path: str, exc: MarkedYAMLError, problems: Problems) -> None:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    reason = " ".join(part for part in (exc.context, exc.problem) if part)
    problems.add(path, line, column, f"invalid YAML: {reason}")


class _Frame:
    def __init__(self, mapping: bool) -> None:
        self.mapping = mapping
        self.expect_key = mapping
        self.keys: dict[str, int] = {}


class _EventScan:
    """Follows the event stream, tracking mapping keys per level, and records what is refused."""

    def __init__(self, path: str, problems: Problems, budget: NodeBudget, resolver: BaseResolver) -> None:
        self.path = path
        self.budget = budget
        self.resolver = resolver
        self.problems = problems
        self.failed = False
        self.starts: list[tuple[int, int]] = []
        self.stack: list[_Frame] = []
        self.nodes = 0
        self.over_bound = False  # a size bound was exceeded: stop reading

    def refuse(self, event: Event, message: str) -> None:
        mark = event.start_mark
        self.problems.add(self.path, mark.line + 1, mark.column + 1, message)
        self.failed = True

    def exceed(self, event: Event, message: str) -> None:
        self.refuse(event, message)
        self.over_bound = True

    def feed(self, event: Event) -> None:
        self.nodes += 1
        self.budget.nodes -= 1
        if self.nodes > MAX_NODES:
            self.exceed(event, f"more than {MAX_NODES} YAML nodes in one file; split it")
            return
        if self.budget.nodes < 0:
            self.exceed(event, f"more than {MAX_REPOSITORY_NODES} YAML nodes in the repository; refused")
            return
        if isinstance(event, DocumentStartEvent):
            self.stack = []
            if getattr(event, "version", None) or getattr(event, "tags", None):
                self.refuse(event, "YAML directives (%YAML, %TAG) are not allowed; files are read as YAML 1.2")
            return
        if isinstance(event, ScalarEvent) and len(event.value) > MAX_SCALAR_CHARS:
            self.exceed(event, f"a value of {len(event.value)} characters, over the {MAX_SCALAR_CHARS} limit")
            return
        if isinstance(event, NodeEvent):
            self._node_start(event)
        if isinstance(event, CollectionStartEvent):
            self._push(event)
        elif isinstance(event, CollectionEndEvent):
            self.stack.pop()
            self._node_done()
        elif isinstance(event, ScalarEvent | AliasEvent):
            self._node_done()

    def _node_start(self, event: NodeEvent) -> None:
        if not self.stack:
            self.starts.append((event.start_mark.line + 1, event.start_mark.column + 1))
        if isinstance(event, AliasEvent):
            self.refuse(event, f"YAML alias {excerpt('*' + str(event.anchor))} is not allowed; write the value out")
            return
        if event.anchor:
            anchor = excerpt("&" + str(event.anchor))
            self.refuse(event, f"YAML anchor {anchor} is not allowed; write values out in full")
        tag = _tag_of(event)
        if tag and tag not in _STANDARD_TAGS:
            self.refuse(event, f"YAML tag {excerpt(tag)} is not allowed")
        if isinstance(event, ScalarEvent) and event.implicit[0]:
            self._check_plain(event)
        top = self.stack[-1] if self.stack else None
        if top is not None and top.expect_key and isinstance(event, ScalarEvent):
            self._check_key(top, event)

    def _check_plain(self, event: ScalarEvent) -> None:
        """Plain scalars that would become dates, or numbers too long to convert cheaply."""
        tag = str(self.resolver.resolve(ScalarNode, event.value, event.implicit))
        if tag.endswith(":timestamp"):
            self.refuse(event, f"{excerpt(event.value)} reads as a date or time; quote it to write text")
        elif tag.endswith((":int", ":float")) and len(event.value) > MAX_NUMBER_CHARS:
            self.refuse(event, f"a number of {len(event.value)} characters, over the {MAX_NUMBER_CHARS} limit")

    def _check_key(self, frame: _Frame, event: ScalarEvent) -> None:
        if len(event.value) > MAX_KEY_CHARS:
            self.exceed(event, f"a key of {len(event.value)} characters, over the {MAX_KEY_CHARS} limit")
            return
        first = frame.keys.get(event.value)
        if first is not None:
            self.refuse(event, f"duplicate key {excerpt(event.value)} (first on line {first})")
        else:
            frame.keys[event.value] = event.start_mark.line + 1

    def _push(self, event: CollectionStartEvent) -> None:
        self.stack.append(_Frame(isinstance(event, MappingStartEvent)))
        if len(self.stack) > MAX_DEPTH:
            self.exceed(event, f"nested more than {MAX_DEPTH} levels deep")

    def _node_done(self) -> None:
        if self.stack and self.stack[-1].mapping:
            self.stack[-1].expect_key = not self.stack[-1].expect_key


def _tag_of(event: NodeEvent) -> str | None:
    tag = getattr(event, "ctag", None) or getattr(event, "tag", None)
    if tag is None:
        return None
    return str(getattr(tag, "value", None) or tag)
