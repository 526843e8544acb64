"""Reading the bindings files out of one commit's tree, with the refusals of layout.py.

git itself lists the tree (`git ls-tree`: modes, blob ids, sizes) and reads the contents in one
`git cat-file --batch`; a symlink is followed inside the commit.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class _Entry:
    path: str
    mode: str
    type: str
    id: str
    size: int


class _Refused(Exception):
    pass


def read_commit_files(git_dir: Path, sha: str) -> tuple[dict[str, bytes], dict[str, str], list[str]]:
    """Every wanted file of the commit (path -> content), the blob id of each content (a symlink's
    is its target's) and the refusals as `path: message`. GitFailure when git cannot read it."""
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
    contents = tree.contents({target.id for target in targets.values()})
    files = {path: contents[target.id] for path, target in targets.items()}
    return files, {path: target.id for path, target in targets.items()}, problems


class _Tree:
    def __init__(self, git_dir: Path, sha: str) -> None:
        self.git_dir = git_dir
        self.sha = sha

    def entries(self, *paths: str, recursive: bool = False) -> list[_Entry]:
        args = ["--literal-pathspecs", "ls-tree", "-l", "-z", *(["-r"] if recursive else []), self.sha, "--", *paths]
        done = self._git(args)
        entries = []
        for record in done.split(b"\0"):
            if not record:
                continue
            meta, _, path = record.partition(b"\t")
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
        if not ids:
            return {}
        ordered = sorted(ids)
        out = self._git(["cat-file", "--batch"], ("\n".join(ordered) + "\n").encode())
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
