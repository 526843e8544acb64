"""Reading the bindings files of a plain directory (a checkout), with the same refusals as a commit."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from reconciler.model import Snapshot
from reconciler.source.gitcmd import GitFailure, git_env, run_git
from reconciler.source.layout import BINDINGS_DIR, MAX_FILE_BYTES, POLICY_FILE, is_wanted, not_read, too_large


def checkout_problem(path: Path) -> str | None:
    """Why PATH is not a bindings repository directory (missing, a file, neither file nor folder
    of the layout inside), with the command to run instead where there is one; None when it is one."""
    if path.is_file():
        root = _repository_of(path)
        hint = f"; run `reconciler validate {root}`" if root is not None else ""
        layout = f"holding {POLICY_FILE} and {BINDINGS_DIR}/"
        return f"{path}: is a file; validate takes the repository directory ({layout}){hint}"
    if not path.is_dir():
        return f"{path}: no such directory"
    if os.path.lexists(path / POLICY_FILE) or os.path.lexists(path / BINDINGS_DIR):
        return None
    if Path(os.path.realpath(path)).name == BINDINGS_DIR:
        parent = path.parent if path.name not in ("", ".") else Path("..")
        return (f"{path}: this is the {BINDINGS_DIR}/ directory itself; run `reconciler validate {parent}` "
                "on the repository that holds it")
    return f"{path}: not a bindings repository: no {POLICY_FILE} and no {BINDINGS_DIR}/ directory here"


def _repository_of(file: Path) -> Path | None:
    """The repository directory a policy or bindings file belongs to, if the path says so."""
    if file.name == POLICY_FILE:
        return file.parent
    for parent in file.parents:
        if parent.name == BINDINGS_DIR:
            return parent.parent
    return None


def read_directory(path: Path) -> Snapshot:
    """Working-tree files under PATH; commit is the enclosing repository's HEAD sha, or "".
    The files carry no blob ids: intent computes them from the content as git would."""
    root = Path(path)
    files: dict[str, bytes] = {}
    problems: list[str] = []
    real_root = os.path.realpath(root)
    for rel in _candidates(root, problems):
        try:
            files[rel] = _read(real_root, root / rel, rel)
        except _Refused as refusal:
            problems.append(f"{rel}: {refusal}")
    return Snapshot(repo=str(path), commit=_head_commit(root), files=files, problems=tuple(problems))


class _Refused(Exception):
    pass


def _candidates(root: Path, problems: list[str]) -> list[str]:
    found = [POLICY_FILE] if os.path.lexists(root / POLICY_FILE) else []
    if os.path.lexists(root / "layering.yml"):
        problems.append(str(not_read("layering.yml", 1)))
    bindings = root / BINDINGS_DIR
    if bindings.is_symlink():
        problems.append(f"{BINDINGS_DIR}: symlinked directories are not followed; refused")
    elif bindings.is_dir():
        found.extend(_walk(root, bindings, problems))
    return found


def _walk(root: Path, top: Path, problems: list[str]) -> list[str]:
    found: list[str] = []
    for current, dirnames, filenames in os.walk(top):
        here = Path(current)
        for name in list(dirnames):
            rel = (here / name).relative_to(root).as_posix()
            if (here / name).is_symlink():
                problems.append(f"{rel}: symlinked directories are not followed; refused")
                dirnames.remove(name)
            elif (here / name / ".git").exists():
                problems.append(f"{rel}: submodules are not read; refused")
                dirnames.remove(name)
        dirnames.sort()
        for name in sorted(filenames):
            rel = (here / name).relative_to(root).as_posix()
            if is_wanted(rel):
                found.append(rel)
            elif problem := not_read(rel, _size(here / name)):
                problems.append(problem)
    return found


def _size(file: Path) -> int:
    try:
        return file.lstat().st_size
    except OSError:
        return 1


def _read(real_root: str, file: Path, rel: str) -> bytes:
    try:
        found = file.lstat()
    except OSError:
        raise _Refused("not a regular file; refused") from None
    if stat.S_ISREG(found.st_mode):  # no symlink on the way: the walk does not follow symlinked directories
        if found.st_size > MAX_FILE_BYTES:
            raise _Refused(too_large(found.st_size))
        with open(file, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    real = os.path.realpath(file)
    if file.is_symlink() and not real.startswith(real_root + os.sep):
        raise _Refused(f"symlink to '{os.readlink(file)}' points outside the repository; refused")
    if not os.path.isfile(real):
        raise _Refused("not a regular file; refused")
    size = os.path.getsize(real)
    if size > MAX_FILE_BYTES:
        raise _Refused(too_large(size))
    with open(real, "rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


def _head_commit(root: Path) -> str:
    """HEAD of the repository holding ROOT (git itself, not gitpython: validate starts faster)."""
    try:
        sha = run_git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], root, git_env())
    except (GitFailure, OSError):
        return ""
    return sha if len(sha) == 40 else ""
