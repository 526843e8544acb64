"""Reading the bindings files out of one commit's tree, with the refusals of layout.py.

git itself lists the tree (`git ls-tree`: modes, blob ids, sizes), so every refusal is decided
before any content is read; a symlink is followed inside the commit. The contents are read on
demand (`CommitFiles`), in one `git cat-file --batch` for all the files asked at once: a file
whose parse is cached by its blob id is never read.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from reconciler.model import FilesOnDemand
from reconciler.records import record
from reconciler.source.gitcmd import GitFailure, git_env, git_output
from reconciler.source.layout import (
    BINDINGS_DIR,
    MAX_FILE_BYTES,
    MAX_SYMLINK_HOPS,
    POLICY_FILE,
    is_wanted,
    not_read,
    too_large,
)

_SYMLINK_MODE = "120000"
_SUBMODULE_TYPE = "commit"
_TREE_TYPE = "tree"


@record
class _Entry:
    path: str
    mode: str
    type: str
    id: str
    size: int


class _Refused(Exception):
    pass


BlobReader = Callable[[Collection[str]], dict[str, bytes]]  # blob ids -> contents, read in one go


class CommitFiles(FilesOnDemand):
    """The wanted files of one commit: paths and blob ids known from the tree, contents read on
    demand through `read_blobs` (each blob once). `blobs_read` counts the blobs read so far."""

    def __init__(self, ids: dict[str, str], read_blobs: BlobReader) -> None:
        self._ids = ids
        self._read_blobs = read_blobs
        self._contents: dict[str, bytes] = {}  # by blob id
        self.blobs_read = 0

    def load(self, paths: Collection[str]) -> dict[str, bytes]:
        wanted = {self._ids[path] for path in paths} - self._contents.keys()
        if wanted:
            self._contents.update(self._read_blobs(wanted))
            self.blobs_read += len(wanted)
        return {path: self._contents[self._ids[path]] for path in paths}

    def __getitem__(self, path: str) -> bytes:
        return self.load([path])[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, path: object) -> bool:
        return path in self._ids


def read_commit_files(git_dir: Path, sha: str, read_blobs: BlobReader | None = None
                      ) -> tuple[CommitFiles, dict[str, str], list[str]]:
    """Every wanted file of the commit (path -> content, read on demand through `read_blobs`, by
    default `read_blobs_in(git_dir)`), the blob id of each content (a symlink's is its target's) and
    the refusals as `path: message`. GitFailure when git cannot list the tree; nothing is read yet."""
    tree = _Tree(git_dir, sha)
    problems: list[str] = []
    targets: dict[str, _Entry] = {}
    for entry in tree.entries(POLICY_FILE, "layering.yml", BINDINGS_DIR, recursive=True):
        if entry.type == _SUBMODULE_TYPE:
            problems.append(f"{entry.path}: submodules are not read; refused")
        elif entry.type != _TREE_TYPE and not is_wanted(entry.path):
            if entry.mode == _SYMLINK_MODE and tree.points_to_directory(entry):
                problems.append(f"{entry.path}: symlinked directories are not followed; refused")
            elif problem := not_read(entry.path, entry.size):
                problems.append(problem)
        elif entry.type != _TREE_TYPE:
            try:
                targets[entry.path] = tree.target(entry)
            except _Refused as refusal:
                problems.append(f"{entry.path}: {refusal}")
    ids = {path: target.id for path, target in targets.items()}
    return CommitFiles(ids, read_blobs or read_blobs_in(git_dir)), dict(ids), problems


def read_blobs_in(git_dir: Path) -> BlobReader:
    """A reader of the blobs of the repository at `git_dir`."""
    return lambda ids: read_blobs(git_dir, ids)


def read_blobs(git_dir: Path, ids: Collection[str]) -> dict[str, bytes]:
    """The contents of blobs, read in one `git cat-file --batch` (GitFailure, or ValueError on output
    that is cut short)."""
    if not ids:
        return {}
    ordered = sorted(ids)
    out = git_output(["cat-file", "--batch"], git_dir, git_env(), ("\n".join(ordered) + "\n").encode())
    found: dict[str, bytes] = {}
    position = 0
    for object_id in ordered:
        newline = out.index(b"\n", position)
        header = out[position:newline].split()
        if len(header) != 3 or header[0].decode() != object_id:
            raise GitFailure(f"cannot read object {object_id}: {out[position:newline].decode(errors='replace')}")
        size = int(header[2])
        found[object_id] = out[newline + 1 : newline + 1 + size]
        position = newline + 2 + size
    return found


class _Tree:
    def __init__(self, git_dir: Path, sha: str) -> None:
        self.git_dir = git_dir
        self.sha = sha

    def entries(self, *paths: str, recursive: bool = False) -> list[_Entry]:
        args = ["--literal-pathspecs", "ls-tree", "-l", "-z", *(["-r"] if recursive else []), self.sha, "--", *paths]
        done = self._git(args)
        entries = []
        for line in done.split(b"\0"):
            if not line:
                continue
            meta, _, path = line.partition(b"\t")
            mode, kind, object_id, size = meta.decode().split()
            entries.append(_Entry(path.decode("utf-8", "surrogateescape"), mode, kind, object_id,
                                  int(size) if size.isdigit() else 0))
        return entries

    def lookup(self, path: str) -> _Entry | None:
        if path in ("", "."):  # the root itself is no entry of the tree
            return None
        found = [entry for entry in self.entries(path) if entry.path == path]
        return found[0] if found else None

    def contents(self, ids: set[str]) -> dict[str, bytes]:
        return read_blobs(self.git_dir, ids)

    def target(self, entry: _Entry) -> _Entry:
        """The entry holding the file's content (a symlink followed), refused when it is too large."""
        target = self.follow(entry) if entry.mode == _SYMLINK_MODE else entry
        if target.size > MAX_FILE_BYTES:
            raise _Refused(too_large(target.size))
        return target

    def points_to_directory(self, link: _Entry) -> bool:
        try:
            self.follow(link)
        except _Refused as refusal:
            return "directory" in str(refusal)
        return False

    def follow(self, link: _Entry) -> _Entry:
        """Resolve a symlink inside the commit; refuse one that leaves the repository or loops."""
        current, entry = link.path, link
        for _ in range(MAX_SYMLINK_HOPS):
            target = self.contents({entry.id})[entry.id].decode(errors="replace")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(current), target))
            if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
                raise _Refused(f"symlink to '{target}' points outside the repository; refused")
            found = self.lookup(resolved)
            if found is None:
                raise _Refused(f"symlink target '{target}' does not exist in this commit; refused")
            if found.type != "blob":
                raise _Refused(f"symlink to the directory '{target}' is not followed; refused")
            if found.mode != _SYMLINK_MODE:
                return found
            current, entry = resolved, found
        raise _Refused(f"more than {MAX_SYMLINK_HOPS} chained symlinks; refused")

    def _git(self, args: list[str], stdin: bytes | None = None) -> bytes:
        return git_output(args, self.git_dir, git_env(), stdin)
