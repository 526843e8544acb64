"""A git repository on disk, used through git itself (no gitpython: a CLI call starts faster)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reconciler.source.gitcmd import GitFailure, git_env, run_git


class NotARepository(Exception):
    """PATH is neither the top of a working tree nor a git directory."""


@dataclass(frozen=True)
class Repository:
    git_dir: Path
    working_tree_dir: Path | None  # None for a bare repository

    @property
    def bare(self) -> bool:
        return self.working_tree_dir is None


def open_repository(path: Path) -> Repository:
    """The repository whose working tree top or git directory PATH is (not one PATH is inside of)."""
    args = ["rev-parse", "--absolute-git-dir", "--is-bare-repository", "--is-inside-work-tree", "--show-prefix"]
    try:
        lines = run_git(args, path, git_env()).split("\n")
    except (GitFailure, OSError) as exc:
        raise NotARepository(str(exc)) from None
    if len(lines) < 3:
        raise NotARepository("unexpected `git rev-parse` output")
    git_dir, bare, in_tree, prefix = Path(lines[0]), lines[1] == "true", lines[2] == "true", "".join(lines[3:])
    here = os.path.realpath(path)
    if here == os.path.realpath(git_dir):
        return Repository(git_dir, None if bare else git_dir.parent)
    if in_tree and not bare and prefix == "":
        return Repository(git_dir, Path(here))
    raise NotARepository(f"{path} is inside a repository, not its top")
