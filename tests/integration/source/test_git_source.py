"""GitSource against real repositories: file:// remotes, local paths, refs, cache and failures."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from source_repos import WorkRepo
from testkit import git

from reconciler.errors import SourceError
from reconciler.source import GitSource, redact

BINDING = "kind: PoolImageBinding\n# {}\n"


def push(work: WorkRepo, *refs: str) -> None:
    work.git("push", "--quiet", "origin", *(refs or ("main",)))


def test_clone_reads_default_branch_and_reports_full_commit(
    work: WorkRepo, remote: Path, cache: Path
) -> None:
    work.write("layering.yaml", "kind: LayeringPolicy\n")
    work.write("bindings/worker.yaml", BINDING.format(1))
    work.write("bindings/nested/infra.yml", BINDING.format(2))
    work.write("bindings/.gitkeep", "")  # an empty placeholder loses nothing
    work.write("other/ignored.yaml", "not read")
    sha = work.commit()
    push(work)
    snap = GitSource(f"file://{remote}", cache_dir=cache).snapshot()
    assert snap.commit == sha
    assert snap.repo == f"file://{remote}"
    assert sorted(snap.files) == ["bindings/nested/infra.yml", "bindings/worker.yaml", "layering.yaml"]
    assert snap.files["bindings/worker.yaml"] == BINDING.format(1).encode()
    assert snap.problems == ()


def test_fetch_picks_up_new_commit_in_same_cache(work: WorkRepo, remote: Path, cache: Path) -> None:
    work.write("bindings/a.yaml", BINDING.format(1))
    work.commit()
    push(work)
    source = GitSource(f"file://{remote}", cache_dir=cache)
    source.snapshot()
    work.write("bindings/a.yaml", BINDING.format(2))
    second = work.commit()
    push(work)
    snap = source.snapshot()
    assert snap.commit == second
    assert snap.files["bindings/a.yaml"] == BINDING.format(2).encode()
    name = source.cache_path.name
    assert sorted(p.name for p in cache.iterdir()) == [name, f"{name}.lock"]  # one entry and its lock file


def test_refs_branch_tag_short_and_full_sha(work: WorkRepo, remote: Path, cache: Path) -> None:
    work.write("bindings/a.yaml", BINDING.format("first"))
    first = work.commit()
    work.git("tag", "-a", "v1", "-m", "release one")
    work.git("checkout", "--quiet", "-b", "canary")
    work.write("bindings/a.yaml", BINDING.format("canary"))
    canary = work.commit()
    work.git("checkout", "--quiet", "main")
    work.write("bindings/a.yaml", BINDING.format("main"))
    main = work.commit()
    push(work, "main", "canary", "v1")
    source = GitSource(f"file://{remote}", cache_dir=cache)
    assert source.snapshot().commit == main
    assert source.snapshot("canary").commit == canary
    assert source.snapshot("v1").commit == first  # annotated tag peeled to its commit
    assert source.snapshot(first[:8]).commit == first
    assert source.snapshot(canary).commit == canary
    assert source.snapshot("refs/heads/canary").files["bindings/a.yaml"] == BINDING.format("canary").encode()


def test_missing_ref_is_source_error(work: WorkRepo, remote: Path, cache: Path) -> None:
    work.commit()
    push(work)
    source = GitSource(f"file://{remote}", cache_dir=cache)
    with pytest.raises(SourceError, match=r"ref 'nope' not found"):
        source.snapshot("nope")
    with pytest.raises(SourceError, match="not found"):
        source.snapshot("0" * 40)
    with pytest.raises(SourceError, match="invalid ref"):
        source.snapshot("--upload-pack=evil")


def test_local_path_reads_commits_not_working_tree(work: WorkRepo, cache: Path) -> None:
    work.write("bindings/a.yaml", BINDING.format("committed"))
    first = work.commit()
    work.git("checkout", "--quiet", "-b", "next")
    work.write("bindings/a.yaml", BINDING.format("next"))
    nxt = work.commit()
    work.write("bindings/a.yaml", BINDING.format("uncommitted edit"))
    work.write("bindings/new.yaml", BINDING.format("untracked"))
    source = GitSource(str(work.path), cache_dir=cache)
    snap = source.snapshot()
    assert snap.commit == nxt
    assert snap.files == {"bindings/a.yaml": BINDING.format("next").encode()}
    assert source.snapshot("main").commit == first
    assert not cache.exists()  # read in place, never cloned
    with pytest.raises(SourceError, match="ref 'gone' not found"):
        source.snapshot("gone")


def test_local_path_that_is_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not a git repository"):
        GitSource(str(tmp_path)).snapshot()
    with pytest.raises(SourceError, match="no such directory"):
        GitSource(str(tmp_path / "missing")).snapshot()


def test_symlinks_inside_followed_outside_refused(work: WorkRepo, remote: Path, cache: Path) -> None:
    work.write("shared/common.yaml", BINDING.format("shared"))
    (work.path / "bindings").mkdir()
    (work.path / "bindings/inside.yaml").symlink_to("../shared/common.yaml")
    (work.path / "bindings/escape.yaml").symlink_to("../../../etc/passwd")
    (work.path / "bindings/absolute.yaml").symlink_to("/etc/passwd")
    (work.path / "bindings/dir").symlink_to("../shared")
    work.commit()
    push(work)
    snap = GitSource(f"file://{remote}", cache_dir=cache).snapshot()
    assert snap.files == {"bindings/inside.yaml": BINDING.format("shared").encode()}
    problems = "\n".join(snap.problems)
    assert "bindings/escape.yaml: symlink to '../../../etc/passwd' points outside the repository" in problems
    assert "bindings/absolute.yaml: symlink to '/etc/passwd' points outside" in problems
    assert "bindings/dir: symlinked directories are not followed" in problems


def test_oversized_file_refused(work: WorkRepo, remote: Path, cache: Path) -> None:
    work.write("bindings/big.yaml", b"#" * (1024 * 1024 + 1))
    work.write("bindings/ok.yaml", b"#" * (1024 * 1024))
    work.commit()
    push(work)
    snap = GitSource(f"file://{remote}", cache_dir=cache).snapshot()
    assert list(snap.files) == ["bindings/ok.yaml"]
    assert snap.problems == (
        "bindings/big.yaml: file is 1048577 bytes, over the 1048576 byte limit; refused",
    )


def test_submodule_in_bindings_refused(tmp_path: Path, work: WorkRepo, remote: Path, cache: Path) -> None:
    other = WorkRepo(tmp_path / "other")
    other.write("x.yaml", "a: 1\n")
    sub_sha = other.commit()
    work.git("update-index", "--add", "--cacheinfo", f"160000,{sub_sha},bindings/vendored")
    work.git("commit", "--quiet", "-m", "gitlink")
    push(work)
    snap = GitSource(f"file://{remote}", cache_dir=cache).snapshot()
    assert snap.problems == ("bindings/vendored: submodules are not read; refused",)


def test_corrupt_cache_is_recloned(work: WorkRepo, remote: Path, cache: Path) -> None:
    work.write("bindings/a.yaml", BINDING.format(1))
    sha = work.commit()
    push(work)
    source = GitSource(f"file://{remote}", cache_dir=cache)
    source.snapshot()
    for obj in (source.cache_path / "objects").rglob("*"):
        if obj.is_file():
            obj.chmod(0o644)
            obj.write_bytes(b"garbage")
    (source.cache_path / "HEAD").write_text("garbage\n")
    assert source.snapshot().commit == sha


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_remote_error_has_no_secret(cache: Path) -> None:
    secret = "s3cr3t-t0ken-value"
    url = f"https://user:{secret}@127.0.0.1:{_closed_port()}/org/bindings.git"
    with pytest.raises(SourceError) as caught:
        GitSource(url, cache_dir=cache, token="another-t0ken-value").snapshot()
    message = str(caught.value)
    assert secret not in message and "another-t0ken-value" not in message and "user" not in message
    assert message.startswith("https://127.0.0.1:")
    assert "remote unreachable" in message


def test_missing_remote_repository(tmp_path: Path, cache: Path) -> None:
    with pytest.raises(SourceError, match="repository not found"):
        GitSource(f"file://{tmp_path}/nothing.git", cache_dir=cache).snapshot()


def test_remote_without_default_branch_needs_ref(tmp_path: Path, work: WorkRepo, cache: Path) -> None:
    bare = tmp_path / "headless.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=trunk", str(bare))
    sha = work.commit()
    work.git("push", "--quiet", str(bare), "main")
    source = GitSource(f"file://{bare}", cache_dir=cache)
    with pytest.raises(SourceError, match="no default branch"):
        source.snapshot()
    assert source.snapshot("main").commit == sha


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:tok@github.com/o/r.git", "https://github.com/o/r.git"),
        ("https://ghp_abc@github.com/o/r.git?x=1", "https://github.com/o/r.git"),
        ("ssh://git@github.com/o/r.git", "ssh://git@github.com/o/r.git"),
        ("ssh://git:pw@github.com/o/r.git", "ssh://github.com/o/r.git"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        ("/srv/repo", "/srv/repo"),
    ],
)
def test_redact(url: str, shown: str) -> None:
    assert redact(url) == shown


def upload_packs(trace: Path) -> int:
    """Connections to the remote since the trace was last cleared: each runs one git-upload-pack."""
    if not trace.exists():
        return 0
    return sum(1 for line in trace.read_text().splitlines() if '"child_start"' in line and "upload-pack" in line)


def test_an_idle_snapshot_costs_one_round_trip_and_a_moved_ref_is_fetched(
    work: WorkRepo, remote: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trace = tmp_path / "trace2.json"
    monkeypatch.setenv("GIT_TRACE2_EVENT", str(trace))
    work.write("layering.yaml", "kind: LayeringPolicy\n")
    first = work.commit()
    push(work)
    source = GitSource(f"file://{remote}", cache_dir=cache)
    assert source.snapshot().commit == first
    assert upload_packs(trace) == 2  # ls-remote (empty cache), then the fetch
    trace.unlink()
    assert source.snapshot().commit == first and source.snapshot("main").commit == first
    assert upload_packs(trace) == 2  # one ls-remote per snapshot, no fetch
    trace.unlink()
    work.write("bindings/worker.yaml", BINDING.format(1))
    second = work.commit()
    push(work)
    assert source.snapshot().commit == second
    assert upload_packs(trace) == 2  # the ref moved: ls-remote, then one fetch
    trace.unlink()
    work.git("tag", "v1")
    push(work, "v1")
    assert source.snapshot("v1").commit == second  # a new tag is a change too
    assert upload_packs(trace) == 2


def test_uncommitted_bindings_are_warned_about_once_naming_the_commit_read(
        work: WorkRepo, remote: Path, caplog: pytest.LogCaptureFixture) -> None:
    """HEAD is found by the `rev-parse` that opens the repository; `git status` runs beside the read."""
    with pytest.raises(SourceError, match="the default branch"):
        work.write("bindings/a.yaml", BINDING.format("before any commit"))
        GitSource(str(work.path)).snapshot()
    assert "uncommitted" not in caplog.text  # no commit named: the error says why
    sha = work.commit()
    source = GitSource(str(work.path))
    assert source.snapshot().commit == sha and "uncommitted" not in caplog.text
    work.write("bindings/b.yaml", BINDING.format("untracked"))
    assert source.snapshot().commit == sha
    assert source.snapshot().commit == sha
    warnings = [r.getMessage() for r in caplog.records if "uncommitted" in r.getMessage()]
    assert warnings == [f"{work.path}: uncommitted changes to bindings files are not planned; using commit "
                        f"{sha[:12]} (commit them, or run `reconciler validate` to check the working tree)"]
    assert source.snapshot("main").commit == sha  # a named ref: resolved as before
    push(work)
    assert GitSource(str(remote)).snapshot().commit == sha  # a bare repository: its HEAD, no status
