"""Fixtures: a working repository, a bare remote it pushes to, and a cache directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from source_repos import WorkRepo
from testkit import git


@pytest.fixture
def work(tmp_path: Path) -> WorkRepo:
    return WorkRepo(tmp_path / "work")


@pytest.fixture
def remote(tmp_path: Path, work: WorkRepo) -> Path:
    """A bare repository that `work` pushes to (its HEAD is main)."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    work.git("remote", "add", "origin", str(bare))
    return bare


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"
