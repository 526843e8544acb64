"""Reading the bindings files out of one commit's tree, with the refusals of layout.py."""

from __future__ import annotations

import posixpath

from git.objects import Blob, Commit, Submodule, Tree

from reconciler.source.layout import (
    BINDINGS_DIR,
    MAX_FILE_BYTES,
    MAX_SYMLINK_HOPS,
    POLICY_FILE,
    is_wanted,
    not_read,
    too_large,
)

_SYMLINK_MODE = 0o120000


class _Refused(Exception):
    pass


def read_commit_files(commit: Commit) -> tuple[dict[str, bytes], dict[str, str], list[str]]:
    """Every wanted file of the commit (path -> content), the blob id of each content (a symlink's
    is its target's) and the refusals as `path: message`."""
    files: dict[str, bytes] = {}
    blobs: dict[str, str] = {}
    problems: list[str] = []
    root = commit.tree
    for path, obj in _candidates(root, problems):
        try:
            target = _target(root, path, obj)
            files[path], blobs[path] = bytes(target.data_stream.read()), target.hexsha
        except _Refused as refusal:
            problems.append(f"{path}: {refusal}")
    return files, blobs, problems


def _candidates(root: Tree, problems: list[str]) -> list[tuple[str, Blob]]:
    found: list[tuple[str, Blob]] = []
    for name in (POLICY_FILE, "layering.yml", BINDINGS_DIR):
        obj = _lookup(root, name)
        if isinstance(obj, Submodule):
            problems.append(f"{name}: submodules are not read; refused")
        elif isinstance(obj, Tree):
            _walk(root, obj, found, problems)
        elif isinstance(obj, Blob):
            _consider(root, name, obj, found, problems)
    return found


def _walk(root: Tree, tree: Tree, found: list[tuple[str, Blob]], problems: list[str]) -> None:
    for item in tree:
        if isinstance(item, Submodule):
            problems.append(f"{item.path}: submodules are not read; refused")
        elif isinstance(item, Tree):
            _walk(root, item, found, problems)
        elif isinstance(item, Blob):
            _consider(root, str(item.path), item, found, problems)


def _consider(root: Tree, path: str, blob: Blob, found: list[tuple[str, Blob]], problems: list[str]) -> None:
    """Wanted files are kept; any other is reported when skipping it could lose a binding."""
    if is_wanted(path):
        found.append((path, blob))
    elif blob.mode == _SYMLINK_MODE and _points_to_directory(root, path, blob):
        problems.append(f"{path}: symlinked directories are not followed; refused")
    else:
        problem = not_read(path, blob.size)
        if problem:
            problems.append(problem)


def _points_to_directory(root: Tree, path: str, link: Blob) -> bool:
    try:
        _follow(root, path, link)
    except _Refused as refusal:
        return "directory" in str(refusal)
    return False


def _lookup(tree: Tree, path: str) -> Blob | Tree | Submodule | None:
    try:
        return tree / path
    except KeyError:
        return None


def _target(root: Tree, path: str, blob: Blob) -> Blob:
    """The blob holding the file's content (a symlink followed), refused when it is too large."""
    target = _follow(root, path, blob) if blob.mode == _SYMLINK_MODE else blob
    if target.size > MAX_FILE_BYTES:
        raise _Refused(too_large(target.size))
    return target


def _follow(root: Tree, path: str, link: Blob) -> Blob:
    """Resolve a symlink inside the commit; refuse one that leaves the repository or loops."""
    current, blob = path, link
    for _ in range(MAX_SYMLINK_HOPS):
        target = blob.data_stream.read().decode(errors="replace")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(current), target))
        if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
            raise _Refused(f"symlink to '{target}' points outside the repository; refused")
        obj = _lookup(root, resolved)
        if obj is None:
            raise _Refused(f"symlink target '{target}' does not exist in this commit; refused")
        if not isinstance(obj, Blob):
            raise _Refused(f"symlink to the directory '{target}' is not followed; refused")
        if obj.mode != _SYMLINK_MODE:
            return obj
        current, blob = resolved, obj
    raise _Refused(f"more than {MAX_SYMLINK_HOPS} chained symlinks; refused")
