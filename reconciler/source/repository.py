"""A git repository on disk, used through git itself (no gitpython: a CLI call starts faster)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from reconciler.records import record
from reconciler.source.gitcmd import GitFailure, git_env, run_git


class NotARepository(Exception):
    """PATH is neither the top of a working tree nor a git directory."""


@record
class Repository:
    git_dir: Path
    working_tree_dir: Path | None  # None for a bare repository
    head: str | None = None  # HEAD's commit, when asked for at opening and HEAD has one

    @property
    def bare(self) -> bool:
        return self.working_tree_dir is None


_OPEN_ARGS = ["rev-parse", "--absolute-git-dir", "--is-bare-repository", "--is-inside-work-tree", "--show-prefix"]


def open_repository(path: Path, resolve_head: bool = False) -> Repository:
    """The repository whose working tree top or git directory PATH is (not one PATH is inside of);
    with `resolve_head`, HEAD's commit is found by the same `git rev-parse`."""
    head, lines = _with_head(path) if resolve_head else (None, None)
    if lines is None:
        try:
            lines = run_git(_OPEN_ARGS, path, git_env()).split("\n")
        except (GitFailure, OSError) as exc:
            raise NotARepository(str(exc)) from None
    if len(lines) < 3:
        raise NotARepository("unexpected `git rev-parse` output")
    git_dir, bare, in_tree, prefix = Path(lines[0]), lines[1] == "true", lines[2] == "true", "".join(lines[3:])
    here = os.path.realpath(path)
    if here == os.path.realpath(git_dir):
        return Repository(git_dir, None if bare else git_dir.parent, head)
    if in_tree and not bare and prefix == "":
        return Repository(git_dir, Path(here), head)
    raise NotARepository(f"{path} is inside a repository, not its top")


def _with_head(path: Path) -> tuple[str | None, list[str] | None]:
    """HEAD's commit and the lines of the opening `rev-parse` asked for it too (the commit is its last
    line; a prefix ends with `/`); (None, None) when that fails: no commit yet, or no repository."""
    args = [*_OPEN_ARGS, "--verify", "--quiet", "--end-of-options", "HEAD^{commit}"]
    try:
        lines = run_git(args, path, git_env()).split("\n")
    except (GitFailure, OSError):
        return None, None
    return (lines[-1], lines[:-1]) if re.fullmatch(r"[0-9a-f]{40}", lines[-1]) else (None, None)
