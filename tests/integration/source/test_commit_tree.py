"""Reading a commit with git itself (ls-tree, cat-file): every refusal of layout.py, the blob id
of each file's content, which the parse cache is keyed by, and contents read only on demand: a
file whose parse is cached is never read from git."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from source_repos import WorkRepo

from reconciler.errors import SourceError
from reconciler.intent import ParseCache, load_desired
from reconciler.model import blob_id
from reconciler.source import GitSource
from reconciler.source.tree import CommitFiles

BINDING = "kind: PoolImageBinding\n# {}\n"
IMAGE = "quay.io/my-registry/rhcos-hotfix@sha256:" + "8a" * 32


def binding(name: str, pool: str, extra: str = "") -> str:
    return (f"apiVersion: layering.gitops.dev/v1alpha1\nkind: PoolImageBinding\nmetadata:\n  name: {name}\n"
            f"spec:\n  pool: {pool}\n  osImageURL: {IMAGE}\n{extra}")


def test_links_chains_loops_and_renamed_files(work: WorkRepo) -> None:
    work.write("shared/common.yaml", BINDING.format("shared"))
    work.write("bindings/plain.yaml", BINDING.format("plain"))
    work.write("bindings/worker.yml.bak", BINDING.format("renamed"))
    work.write("bindings/.gitkeep", "")
    work.write("layering.yml", "kind: LayeringPolicy\n")
    (work.path / "bindings/chain.yaml").symlink_to("inside.yaml")
    (work.path / "bindings/inside.yaml").symlink_to("../shared/common.yaml")
    (work.path / "bindings/missing.yaml").symlink_to("nowhere.yaml")
    (work.path / "bindings/loop1.yaml").symlink_to("loop2.yaml")
    (work.path / "bindings/loop2.yaml").symlink_to("loop1.yaml")
    (work.path / "bindings/here.yaml").symlink_to(".")
    work.commit()
    snap = GitSource(str(work.path)).snapshot()
    shared = BINDING.format("shared").encode()
    assert snap.files == {"bindings/chain.yaml": shared, "bindings/inside.yaml": shared,
                          "bindings/plain.yaml": BINDING.format("plain").encode()}
    assert snap.blobs == {path: blob_id(content) for path, content in snap.files.items()}
    assert snap.blobs["bindings/plain.yaml"] == work.git("rev-parse", "HEAD:bindings/plain.yaml")
    assert sorted(snap.problems) == [
        "bindings/here.yaml: symlink to the directory '.' is not followed; refused",
        "bindings/loop1.yaml: more than 8 chained symlinks; refused",
        "bindings/loop2.yaml: more than 8 chained symlinks; refused",
        "bindings/missing.yaml: symlink target 'nowhere.yaml' does not exist in this commit; refused",
        "bindings/worker.yml.bak: not read: only *.yaml and *.yml files under bindings/ hold bindings; "
        "rename it or move it out of bindings/",
        "layering.yml: not read: the policy is read from layering.yaml only; rename it",
    ]


def test_a_symlinked_bindings_directory_and_a_link_to_a_directory(work: WorkRepo) -> None:
    work.write("real/a.yaml", BINDING.format("a"))
    (work.path / "bindings").symlink_to("real")
    (work.path / "layering.yaml").symlink_to("real")
    work.commit()
    snap = GitSource(str(work.path)).snapshot()
    assert snap.files == {}
    assert sorted(snap.problems) == ["bindings: symlinked directories are not followed; refused",
                                     "layering.yaml: symlink to the directory 'real' is not followed; refused"]


def test_a_subdirectory_of_a_repository_is_not_one(work: WorkRepo) -> None:
    work.write("bindings/a.yaml", BINDING.format("a"))
    work.commit()
    with pytest.raises(SourceError, match="not a git repository"):
        GitSource(str(work.path / "bindings")).snapshot()
    assert list(GitSource(str(work.path / ".git")).snapshot().files) == ["bindings/a.yaml"]


def test_paths_are_read_literally(work: WorkRepo, tmp_path: Path) -> None:
    work.write("bindings/[ab]*.yaml", BINDING.format("glob"))
    work.write("bindings/b.yaml", BINDING.format("b"))
    work.commit()
    assert sorted(GitSource(str(work.path)).snapshot().files) == ["bindings/[ab]*.yaml", "bindings/b.yaml"]


def test_a_new_commit_parses_only_the_files_it_changed(work: WorkRepo, tmp_path: Path) -> None:
    for i in range(10):
        work.write(f"bindings/p{i}.yaml", binding(f"p{i}-image", f"p{i}"))
    work.commit()
    source, cache = GitSource(str(work.path)), ParseCache(tmp_path / "parsed")  # as `run` keeps them
    assert len(load_desired(source.snapshot(), cache).bindings) == 10
    assert (cache.parses, cache.hits) == (10, 0)
    work.write("bindings/p3.yaml", binding("p3-image", "p3", extra="  stage: 2\n"))
    work.commit()
    desired = load_desired(source.snapshot(), cache)
    assert (cache.parses, cache.hits) == (11, 9)
    assert {b.name: b.stage for b in desired.bindings}["p3-image"] == 2
    one_shot = ParseCache(tmp_path / "parsed")  # the next CLI call: from disk
    assert load_desired(GitSource(str(work.path)).snapshot(), one_shot) == desired
    assert (one_shot.parses, one_shot.hits) == (0, 10)


def _git_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """git on PATH logs the subcommand of every call to the returned file, then runs the real git."""
    real, bin_dir, log = shutil.which("git"), tmp_path / "bin", tmp_path / "git-calls"
    bin_dir.mkdir()
    (bin_dir / "git").write_text(f'#!/bin/sh\nfor a; do case "$a" in -*) ;; *) echo "$a" >> {log}; break;; esac; done\n'
                                 f'exec {real} "$@"\n')
    (bin_dir / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def _calls(log: Path) -> list[str]:
    calls = log.read_text().split() if log.exists() else []
    log.unlink(missing_ok=True)
    return calls


@pytest.mark.parametrize("as_url", [False, True], ids=["local path", "file:// URL"])
def test_a_cached_parse_reads_no_blob_and_a_change_reads_only_its_own(
        work: WorkRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_url: bool) -> None:
    for i in range(6):
        work.write(f"bindings/p{i}.yaml", binding(f"p{i}-image", f"p{i}"))
    work.commit()
    log = _git_calls(tmp_path, monkeypatch)
    source_name = f"file://{work.path}" if as_url else str(work.path)

    def one_shot() -> tuple[CommitFiles, ParseCache]:  # a CLI call: a new source and cache each time
        snap, cache = GitSource(source_name, cache_dir=tmp_path / "repos").snapshot(), ParseCache(tmp_path / "parsed")
        load_desired(snap, cache)
        assert isinstance(snap.files, CommitFiles)
        return snap.files, cache

    files, cache = one_shot()
    assert (files.blobs_read, cache.parses) == (6, 6) and _calls(log).count("cat-file") == 1
    files, cache = one_shot()
    assert (files.blobs_read, cache.analyses, cache.hits) == (0, 1, 6) and "cat-file" not in _calls(log)
    work.write("bindings/p4.yaml", binding("p4-image", "p4", extra="  stage: 3\n"))
    work.commit()
    files, cache = one_shot()
    assert (files.blobs_read, cache.analyses, cache.parses, cache.hits) == (1, 0, 1, 5)
    assert _calls(log).count("cat-file") == 1


def test_a_blob_that_cannot_be_read_on_demand_is_a_source_error(work: WorkRepo) -> None:
    work.write("bindings/a.yaml", binding("a-image", "a"))
    work.commit()
    source = GitSource(str(work.path))
    snap = source.snapshot()
    blob = snap.blobs["bindings/a.yaml"]
    loose = work.path / ".git" / "objects" / blob[:2] / blob[2:]
    kept = loose.read_bytes()
    loose.unlink()  # the object is gone after the listing
    with pytest.raises(SourceError, match=rf"{work.path}: cannot read commit {snap.commit}: .*{blob}"):
        load_desired(snap)
    loose.write_bytes(kept)
    again = source.snapshot()
    assert again is not snap  # the commit is listed again, and read
    assert [b.name for b in load_desired(again).bindings] == ["a-image"]
