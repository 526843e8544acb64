"""Safe reading of YAML files: UTF-8 only, no tabs, no anchors/aliases/custom tags, no duplicate keys.

One pass over the parser's events: each event is checked (those problems, and the size bounds:
nesting depth, node count, key and scalar lengths) as ruamel's composer takes it, before the
composer builds anything from it. Reading stops at the first bound exceeded, so no hostile file
costs more than a bounded prefix of work and no alias bomb is ever built; after any other refusal
the rest of the events are only checked (every problem of the file is reported, nothing is built).
Only a clean file is constructed, from the composed nodes, with ruamel's round-trip constructor,
which keeps line/column data.

A file is first offered to quickread (libyaml, the same checks), which reads most clean files some
fifty times faster and leaves to ruamel every file it is not sure to read the same way.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML, events
from ruamel.yaml.docinfo import DocInfo, version
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import Node
from ruamel.yaml.parser import RoundTripParser
from ruamel.yaml.reader import ReaderError

from reconciler.intent.document import MAX_REPOSITORY_NODES, Document, NodeBudget
from reconciler.intent.problems import Problems, excerpt
from reconciler.intent.quickread import read_clean
from reconciler.intent.yamlscan import MAX_KEY_CHARS, MAX_NODES, MAX_SCALAR_CHARS, EventScan, kinds_of

__all__ = ["MAX_KEY_CHARS", "MAX_NODES", "MAX_REPOSITORY_NODES", "MAX_SCALAR_CHARS", "Document", "NodeBudget",
           "read_documents", "read_with_ruamel"]
_KINDS = kinds_of(events)


def read_documents(path: str, content: bytes, problems: Problems, budget: NodeBudget | None = None) -> list[Document]:
    """The non-empty documents of one file; problems recorded and [] when the file is refused."""
    text = _decode(path, content, problems)
    if text is None or _has_tabs(path, text, problems):
        return []
    budget = budget or NodeBudget()
    quick = read_clean(path, text, budget)
    return quick if quick is not None else read_with_ruamel(path, text, problems, budget)


def read_with_ruamel(path: str, text: str, problems: Problems, budget: NodeBudget) -> list[Document]:
    """The documents of a decoded file read with ruamel: every problem recorded, [] when refused."""
    yaml = _YAML(typ="rt")
    yaml.Parser = _CheckedParser
    scan = EventScan(path, problems, budget, yaml.resolver, _KINDS)
    composed = _compose(yaml, text, scan, problems)
    if composed is None:
        return []
    try:
        loaded = [yaml.constructor.construct_document(node) for node in composed]
    except MarkedYAMLError as exc:
        _add_marked(path, exc, problems)
        return []
    except (ValueError, OverflowError, TypeError, LookupError) as exc:  # a value the event checks let through
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

    scan: EventScan | None = None

    def get_event(self) -> Any:
        event = super().get_event()
        if self.scan is not None and event is not None:
            self.scan.feed(event)
            if self.scan.failed:
                raise _Refused
        return event


def _compose(yaml: YAML, text: str, scan: EventScan, problems: Problems) -> list[Node] | None:
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
    except (ValueError, OverflowError, AssertionError) as exc:  # ruamel failing on text it should refuse
        reader = yaml.reader  # where it stopped: an escape past \U0010FFFF, a comment it cannot place
        detail = f" ({str(exc)[:100]})" if str(exc) else ""
        problems.add(scan.path, reader.line + 1, reader.column + 1, f"invalid YAML: cannot read this{detail}")
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
