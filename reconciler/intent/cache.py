"""What reading a commit's files found: the whole analysis by the commit's content, and each file's
result by the git blob id of its content.

A file's result does not depend on the other files: its documents that passed the schema (data
with line/column positions), every problem found in it (YAML, schema, value checks) and how many
YAML events it charged to the repository's node budget. `build` and the checks across files run on
these. The analysis of a whole commit (its problems and desired state) depends only on the paths,
blob ids and kinds of its files and the source's refusals: it is kept as one entry (`<hash>.commit`),
so an unchanged repository costs one cache read, and a changed one reads the entries of its files
and parses only the files it changed. Two levels: in memory (the last analysis and the file entries
it used: `run` keeps one cache across passes) and on disk (`<dir>/<schema version>/`: one-shot
commands). On disk, the file results of an analysis that parsed any file are written together as one
pack (`<hash>.files`: creating a file costs more than writing a kilobyte, about 0.7 ms on this
project's CI machine), and a lookup reads the packs newest first until one holds the result. Writes
are atomic, an unreadable or corrupt entry is a miss, never an error, and the newest 8 analyses and 8
packs are kept. The schema version hashes the schema files, the code of intent/, model.py and
records.py, and the YAML and schema libraries' versions, so any change of what a result could be
starts a new directory (older ones are removed).

This module imports neither ruamel.yaml nor jsonschema: a cached document is plain data whose
mappings and lists carry positions the way ruamel's do (`.lc`), so the problem locations of
`build` are the same from either.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import pickle
import sys
from collections.abc import Callable, Collection
from dataclasses import replace
from importlib.util import find_spec
from pathlib import Path
from typing import Any, TypeVar

from reconciler import model, records
from reconciler.intent.document import Document, PlacedList, PlacedMap, Places, Position, expected_kind
from reconciler.model import DesiredState
from reconciler.records import record

log = logging.getLogger("reconciler")
FORMAT = 3  # bump when the entry layout changes
MAX_COMMIT_ENTRIES = 8  # analyses (about 200 bytes a binding), and packs (about 1 KB a file): the newest of each
COMMIT_SUFFIX = ".commit"
PACK_SUFFIX = ".files"
_CODE_FILES = ("build.py", "cache.py", "cron.py", "document.py", "fields.py", "files.py", "problems.py",
               "quickread.py", "schemas.py", "validate.py", "yamlread.py", "yamlscan.py")
_LIBRARIES = ("ruamel.yaml", "yaml", "jsonschema")

_Entry = TypeVar("_Entry")
ProblemAt = tuple[int, int, str]  # line, column, message (the path is the file's)
Encoded = tuple[Any, ...]  # a file result as builtins: nodes, problems, documents


@record
class FileResult:
    """One file read: the events it charged to the budget, its problems, its schema-valid documents."""

    nodes: int
    problems: tuple[ProblemAt, ...]
    documents: tuple[tuple[Any, int, int], ...]  # (data, line, column)

    def at(self, path: str) -> list[Document]:
        return [Document(path, data, line, column) for data, line, column in self.documents]


Analysis = tuple[list[str], DesiredState]  # the problems, and the state (only usable without problems)


class ParseCache:
    """Analyses by commit content, file results by (blob id, kind): `parses` counts the files read,
    `hits` those found here (alone or in an analysis), `analyses` the analyses found whole."""

    def __init__(self, directory: Path | None = None) -> None:
        self.root = directory
        self.parses = 0
        self.hits = 0
        self.analyses = 0
        self._memory: dict[str, FileResult] = {}
        self._used: dict[str, FileResult] = {}
        self._encoded: dict[str, Encoded] = {}  # the builtins form of every result in memory
        self._analysis: tuple[str, tuple[tuple[str, ...], DesiredState]] | None = None
        self._version: str | None = None
        self._parsed = False  # a result was put since the last finish
        self._written = 0
        self._packs: list[str] | None = None  # the packs on disk not read yet, newest last
        self._unpacked: dict[str, Encoded] = {}

    @staticmethod
    def key(blob: str, path: str) -> str:
        return f"{blob}.{expected_kind(path)}"

    @staticmethod
    def analysis_key(blobs: dict[str, str], refused: Collection[str]) -> str:
        """The key of an analysis: every input's path, blob id and kind, and the source's refusals."""
        digest = hashlib.sha256()
        for path in sorted(blobs):
            digest.update(f"{path}\0{blobs[path]}\0{expected_kind(path)}\n".encode(errors="surrogateescape"))
        for problem in sorted(refused):
            digest.update(f"refused\0{problem}\n".encode(errors="surrogateescape"))
        return digest.hexdigest()[:40] + COMMIT_SUFFIX

    def get_analysis(self, key: str, files: int) -> Analysis | None:
        """The analysis stored under `key` (its repo and commit blank), counting its `files` as hits."""
        if self._analysis is not None and self._analysis[0] == key:
            found: tuple[tuple[str, ...], DesiredState] | None = self._analysis[1]
        else:
            found = self._read(key, _decode_analysis)
        if found is None:
            return None
        self._analysis = (key, found)
        self.analyses += 1
        self.hits += files
        return list(found[0]), found[1]

    def put_analysis(self, key: str, problems: list[str], desired: DesiredState) -> None:
        stored = (tuple(problems), replace(desired, repo="", commit=""))
        self._analysis = (key, stored)
        self._write(key, (FORMAT, key, *stored))

    def get(self, key: str) -> FileResult | None:
        found = self._memory.get(key) or self._used.get(key) or self._unpack(key)
        if found is not None:
            self._used[key] = found
        return found

    def put(self, key: str, result: FileResult) -> None:
        self._used[key] = result
        self._parsed = True
        if self.root is not None:
            encoded = _encode(result)
            if encoded is not None:
                self._encoded[key] = encoded

    def finish(self) -> None:
        """One analysis is done: memory keeps its entries (and only those); when it parsed a file, its
        results are written to disk as one pack, and the disk is pruned."""
        self._memory, self._used = self._used, {}
        self._encoded = {key: self._encoded[key] for key in self._memory if key in self._encoded}
        self._packs, self._unpacked = None, {}
        if self._parsed:
            self._parsed = False
            self._write_pack()
        if self._written:
            self._written = 0
            self._prune()

    # ---- on disk ---------------------------------------------------------------------------------
    @property
    def directory(self) -> Path | None:
        if self.root is None:
            return None
        if self._version is None:
            self._version = schema_version()
        return self.root / self._version

    def _unpack(self, key: str) -> FileResult | None:
        """The result from the packs on disk, reading them newest first until one holds it."""
        if self._packs is None:
            self._packs = self._list_packs()
        while key not in self._unpacked and self._packs:
            pack = self._read(self._packs.pop(), _decode_pack) or {}
            self._unpacked = {**pack, **self._unpacked}
        encoded = self._unpacked.get(key)
        try:
            result = _decode(encoded) if encoded is not None else None
        except Exception as exc:  # a damaged result in a readable pack
            log.debug("parse cache: ignoring the damaged entry %s (%s)", key, type(exc).__name__)
            return None
        if result is not None and encoded is not None:
            self._encoded[key] = encoded
        return result

    def _list_packs(self) -> list[str]:
        directory = self.directory
        try:
            packs = [entry for entry in os.scandir(directory) if entry.name.endswith(PACK_SUFFIX)] if directory else []
        except OSError:
            return []
        return [entry.name for entry in sorted(packs, key=_mtime)]

    def _write_pack(self) -> None:
        """The results of the analysis just done (those encodable), named after their keys."""
        entries = {key: self._encoded[key] for key in sorted(self._memory) if key in self._encoded}
        if entries:
            name = hashlib.sha256("\n".join(entries).encode()).hexdigest()[:40] + PACK_SUFFIX
            self._write(name, (FORMAT, PACK_SUFFIX, entries))

    def _read(self, key: str, decode: Callable[[bytes, str], _Entry]) -> _Entry | None:
        directory = self.directory
        if directory is None:
            return None
        try:
            with open(directory / key, "rb") as handle:
                return decode(handle.read(), key)
        except FileNotFoundError:
            return None
        except Exception as exc:
            log.debug("parse cache: ignoring the unreadable entry %s (%s)", key, type(exc).__name__)
            return None

    def _write(self, key: str, encoded: tuple[Any, ...]) -> None:
        directory = self.directory
        if directory is None:
            return
        import tempfile  # only when writing

        try:
            directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=directory, prefix=".new-", delete=False) as handle:
                handle.write(pickle.dumps(encoded, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(handle.name, directory / key)
            self._written += 1
        except OSError as exc:
            log.debug("parse cache: cannot write %s (%s)", key, exc.strerror or type(exc).__name__)
            with contextlib.suppress(OSError, NameError):
                os.unlink(handle.name)

    def _prune(self) -> None:
        """Other versions go; past MAX_COMMIT_ENTRIES analyses or packs, the oldest of each go."""
        import shutil  # only when writing

        directory = self.directory
        if directory is None or self.root is None:
            return
        with contextlib.suppress(OSError):
            for other in self.root.iterdir():
                if other.name != directory.name and other.is_dir():
                    shutil.rmtree(other, ignore_errors=True)
            entries = list(os.scandir(directory))
            for suffix in (COMMIT_SUFFIX, PACK_SUFFIX):
                kind = [entry for entry in entries if entry.name.endswith(suffix)]
                if len(kind) > MAX_COMMIT_ENTRIES:
                    _remove_oldest(kind, len(kind) - MAX_COMMIT_ENTRIES)


def _mtime(entry: os.DirEntry[str]) -> int:
    """When the entry was written; 0 when it is gone (another process pruned it)."""
    try:
        return entry.stat().st_mtime_ns
    except OSError:
        return 0


def _remove_oldest(entries: list[os.DirEntry[str]], count: int) -> None:
    entries.sort(key=_mtime)
    for entry in entries[:count]:
        with contextlib.suppress(OSError):
            os.unlink(entry.path)


def schema_version() -> str:
    """A hash of everything a result depends on: schemas, the code of intent/, model and records, and
    the library versions."""
    here = Path(__file__).parent
    digest = hashlib.sha256(f"{FORMAT} {sys.version_info[:2]}".encode())
    code = [*(here / name for name in _CODE_FILES), Path(str(model.__file__)), Path(str(records.__file__))]
    for path in [*code, *sorted((here / "schema").glob("*.json"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for library in _LIBRARIES:
        digest.update(_installed(library).encode())
    return digest.hexdigest()[:16]


def _installed(library: str) -> str:
    """Where the library is installed and when (found without importing it, as importlib.metadata
    would cost more than the whole cache hit): an upgrade rewrites the file."""
    try:
        spec = find_spec(library)
        origin = spec.origin if spec is not None else None
        return f"{library} {origin} {os.stat(origin).st_mtime_ns if origin else ''}"
    except (ImportError, ValueError, OSError):
        return f"{library} ?"


# ---- plain data with positions -----------------------------------------------------------------
class _Unencodable(Exception):
    pass


def _encode(result: FileResult) -> Encoded | None:
    """The result as builtins only (None when a document holds a value they cannot represent)."""
    try:
        documents = tuple((_node(data), line, column) for data, line, column in result.documents)
    except _Unencodable:
        return None
    return (result.nodes, result.problems, documents)


def _node(value: Any) -> tuple[Any, ...]:
    lc = getattr(value, "lc", None)
    if isinstance(value, dict):
        if lc is None:
            raise _Unencodable
        items = []
        for name, child in value.items():
            if not isinstance(name, str):
                raise _Unencodable
            items.append((str(name), _place(lc.key, name), _place(lc.value, name), _node(child)))
        return (0, lc.line, lc.col, tuple(items))
    if isinstance(value, list):
        if lc is None:
            raise _Unencodable
        return (1, lc.line, lc.col, tuple((_place(lc.item, i), _node(child)) for i, child in enumerate(value)))
    return (2, _scalar(value))


def _place(lookup: Any, step: str | int) -> Position | None:
    try:
        found = lookup(step)
    except (KeyError, IndexError, TypeError):
        return None
    return (int(found[0]), int(found[1])) if found else None


def _scalar(value: Any) -> object:
    if value is None or isinstance(value, bool):
        return value
    for plain in (str, int, float):
        if isinstance(value, plain):
            return plain(value)
    raise _Unencodable


def _decode_pack(entry: bytes, key: str) -> dict[str, Encoded]:
    form, suffix, entries = _PlainUnpickler(io.BytesIO(entry)).load()
    if form != FORMAT or suffix != PACK_SUFFIX or not isinstance(entries, dict):
        raise ValueError("another entry")
    return entries


def _decode(encoded: Encoded) -> FileResult:
    nodes, problems, documents = encoded
    if not isinstance(nodes, int):
        raise ValueError("not a result")
    checked = tuple((int(line), int(column), str(message)) for line, column, message in problems)
    return FileResult(nodes, checked, tuple((_data(node), int(line), int(column)) for node, line, column in documents))


def _data(node: tuple[Any, ...]) -> Any:
    if node[0] == 0:
        _, line, column, items = node
        places = Places(line, column)
        mapping = PlacedMap()
        for name, key_at, value_at, child in items:
            mapping[str(name)] = _data(child)
            places.keys[name], places.values[name] = key_at, value_at
        mapping.lc = places
        return mapping
    if node[0] == 1:
        _, line, column, items = node
        places = Places(line, column)
        sequence = PlacedList()
        for index, (item_at, child) in enumerate(items):
            sequence.append(_data(child))
            places.items[index] = item_at
        sequence.lc = places
        return sequence
    if node[0] == 2 and (node[1] is None or isinstance(node[1], str | int | float)):
        return node[1]
    raise ValueError("not a node")


class _PlainUnpickler(pickle.Unpickler):
    """Builtins only: an entry naming any class or function is refused (a miss)."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache entry")


# ---- an analysis: rendered problems and the desired state ------------------------------------------
_MODEL_CLASSES = frozenset({"DesiredState", "Binding", "Policy", "Window", "Location", "OnDegraded", "Overrun"})


def _decode_analysis(entry: bytes, key: str) -> tuple[tuple[str, ...], DesiredState]:
    form, stored_key, problems, desired = _AnalysisUnpickler(io.BytesIO(entry)).load()
    if form != FORMAT or stored_key != key or not isinstance(desired, DesiredState):
        raise ValueError("another entry")
    if not isinstance(problems, tuple) or not all(isinstance(problem, str) for problem in problems):
        raise ValueError("not problems")
    return problems, desired


class _AnalysisUnpickler(pickle.Unpickler):
    """Builtins and the value types of the desired state only (model.py): anything else is refused."""

    def find_class(self, module: str, name: str) -> Any:
        if module == model.__name__ and name in _MODEL_CLASSES:
            return getattr(model, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache entry")
