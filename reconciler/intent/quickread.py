"""The quick way to read a clean YAML file: libyaml's parser (PyYAML's C binding), about fifty
times faster than ruamel's pure-Python scanner, which takes most of the time of a cold parse.

Its events go through the same checks as ruamel's (yamlscan), and each document is built straight
into the positioned data a cache entry holds. It reads only what it is sure to read exactly as
ruamel's round-trip loader does, and declines anything else (None, with the node budget untouched):
an event refused, a parser error, an explicit tag, a document that is a lone scalar, a key that is
not a string, a plain scalar that is not a string, a written null, boolean or plain decimal integer
(an empty value, floats, octal, hex, merge keys), the characters where libyaml's YAML 1.1 and
ruamel's YAML 1.2 may differ (NEL, LS, PS, a BOM inside the text, C1 controls), and the few texts
ruamel refuses that libyaml reads (`_REFUSED_BY_RUAMEL`). yamlread then reads the file with ruamel,
which reports every problem. A property test holds the two to the same result.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.resolver import VersionedResolver
from yaml import YAMLError, events

try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML built without libyaml: every file is read with ruamel
    CParser = None

from reconciler.intent.document import Document, NodeBudget, PlacedList, PlacedMap, Places, Position
from reconciler.intent.problems import Problems
from reconciler.intent.yamlscan import ENDS, STARTS, TAG, EventScan, Kind, kinds_of

_KINDS = kinds_of(events)
_RESOLVER = VersionedResolver()  # YAML 1.2, as ruamel reads a file without a %YAML directive
_UNSURE = re.compile("[^\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
# texts that ruamel refuses and libyaml reads: `|#` (libyaml reads a comment), `["k":v]` (a quoted
# key's `:` with no space after it, in a flow sequence), `...` twice (ruamel does not skip the
# second), and a line of spaces only (in a block scalar, shorter than the lines after it)
_REFUSED_BY_RUAMEL = re.compile(r"[|>][-+0-9]*#|[\"'] *:[^ \r\n]|(?m:^\.\.\.)|(?m:^ +\r?$)")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)")


class _Decline(Exception):
    """Not surely read as ruamel reads it: leave the file to ruamel."""


def read_clean(path: str, text: str, budget: NodeBudget) -> list[Document] | None:
    """The non-empty documents of a clean file, or None when the file is left to ruamel."""
    if CParser is None or _UNSURE.search(text) or _REFUSED_BY_RUAMEL.search(text):
        return None
    before = budget.nodes
    try:
        return _read(path, text, budget)
    except (_Decline, YAMLError):
        budget.nodes = before
        return None


def _read(path: str, text: str, budget: NodeBudget) -> list[Document]:
    scan = EventScan(path, Problems(), budget, _RESOLVER, _KINDS)
    built = _Builder()
    parser = CParser(text)
    try:
        while parser.check_event():
            event = parser.get_event()
            kind = scan.feed(event)
            if scan.failed:
                raise _Decline
            built.take(event, kind, scan.plain_tag)
    finally:
        parser.dispose()
    if len(built.roots) != len(scan.starts):
        raise _Decline
    placed = zip(built.roots, scan.starts, strict=True)
    return [Document(path, data, *start) for data, start in placed if data is not None]


class _Open:
    """A mapping or list being built, and a mapping's key waiting for its value."""

    def __init__(self, container: PlacedMap | PlacedList) -> None:
        self.container = container
        self.key: str | None = None
        self.key_at: Position = (0, 0)


class _Builder:
    """Documents built from checked events, placed as ruamel's composer and constructor place them."""

    def __init__(self) -> None:
        self.roots: list[Any] = []
        self.open: list[_Open] = []

    def take(self, event: Any, kind: Kind, plain_tag: str | None) -> None:
        if kind is Kind.SCALAR:
            self._add(_scalar(event, plain_tag), event)
        elif kind in STARTS:
            if event.tag is not None:
                raise _Decline
            container = PlacedMap() if kind is Kind.MAPPING_START else PlacedList()
            container.lc = Places(event.start_mark.line, event.start_mark.column)
            self._add(container, event)
            self.open.append(_Open(container))
        elif kind in ENDS:
            self.open.pop()
        elif kind is Kind.ALIAS:
            raise _Decline

    def _add(self, value: Any, event: Any) -> None:
        at = (event.start_mark.line, event.start_mark.column)
        if not self.open:
            if not isinstance(value, PlacedMap | PlacedList):  # in 1.2 only, a root block scalar may start at column 0
                raise _Decline
            self.roots.append(value)
            return
        top = self.open[-1]
        container = top.container
        if isinstance(container, PlacedList):
            container.lc.items[len(container)] = at
            container.append(value)
        elif top.key is None:
            if type(value) is not str:
                raise _Decline
            top.key, top.key_at = value, at
        else:
            container[top.key] = value
            container.lc.keys[top.key], container.lc.values[top.key] = top.key_at, at
            top.key = None


def _scalar(event: Any, plain_tag: str | None) -> object:
    """The value ruamel's round-trip constructor gives, for the kinds of scalar read here."""
    if event.tag is not None:
        raise _Decline
    value: str = event.value
    if not event.implicit[0]:  # quoted or a block scalar: a string
        return value
    if plain_tag == TAG + "str":
        return value
    if plain_tag == TAG + "null" and value:  # an empty one: libyaml may place it elsewhere
        return None
    if plain_tag == TAG + "bool":
        return value in ("true", "True", "TRUE")
    if plain_tag == TAG + "int" and _DECIMAL.fullmatch(value):
        return int(value)
    raise _Decline
