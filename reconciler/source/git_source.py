"""A git repository (URL or local path) read at a ref: clone once into a cache, fetch after that.

The cache is safe to share between processes: each entry has a lock file (fcntl) held for the
whole fetch and read, an entry is created aside and renamed into place, and a corrupt one is only
removed by the process holding its lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import time
from collections.abc import Collection, Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from reconciler.errors import SourceError
from reconciler.model import Snapshot, Verification
from reconciler.source.gitcmd import (
    BackgroundGit,
    GitFailure,
    SshOptions,
    auth_env,
    describe_fetch_failure,
    git_env,
    run_git,
)
from reconciler.source.layout import default_cache_dir
from reconciler.source.repository import NotARepository, Repository, open_repository
from reconciler.source.tree import BlobReader, read_blobs_in, read_commit_files
from reconciler.source.urls import cache_key, is_url, redact, redact_text
from reconciler.source.verify import Verifier

REMOTE_HEAD = "refs/layering/remote-head"  # where the remote's default branch (its HEAD) is fetched to
_BRANCHES_AND_TAGS = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]
_READ_ERRORS = (GitFailure, ValueError, OSError)
LOCK_TIMEOUT_SECONDS = 600.0  # longer than one fetch may take (gitcmd.FETCH_TIMEOUT_SECONDS)
log = logging.getLogger("reconciler")


class _Corrupt(Exception):
    """The cache clone is damaged; it is deleted and cloned again once."""


class GitSource:
    """Snapshots of a bindings repository.

    `source` is an https://, ssh://, git@host:path or file:// URL (cloned into `cache_dir`) or the
    path of a local repository (read in place; only committed content counts). `token` (default:
    the GIT_TOKEN environment variable) is sent as an HTTP auth header, never put in a URL or message.
    `verifier` (with `--verify`) checks the commit's or tag's signature before any file is read.
    """

    def __init__(self, source: str, cache_dir: Path | None = None, token: str | None = None,
                 verifier: Verifier | None = None, ssh: SshOptions | None = None) -> None:
        self.source = source
        self._ssh = ssh
        self.display = redact(source)
        self._url, user, password = _split_credentials(source, self.display)
        explicit = token if token is not None else (os.environ.get("GIT_TOKEN") or None)
        self._user = user if explicit is None else None
        self._token = explicit if explicit is not None else password
        self._cache_root = cache_dir or default_cache_dir()
        self._verifier = verifier
        self._warned_dirty = False
        self._last_read: Snapshot | None = None  # a commit's files never change: `run` reads each commit once
        if self._token and self._url.startswith("http://"):
            log.warning("%s: the token is sent unencrypted over plain http://; use https://", self.display)

    @property
    def cache_path(self) -> Path:
        return self._cache_root / cache_key(self.source)

    def snapshot(self, ref: str | None = None) -> Snapshot:
        """The bindings files at `ref` (branch, tag, sha; default the remote's default branch)."""
        if ref is not None:
            _check_ref_syntax(self.display, ref)
        if is_url(self.source):
            return self._snapshot_remote(ref)
        return self._snapshot_local(ref)

    # ---- local repository ----------------------------------------------------------------------
    def _snapshot_local(self, ref: str | None) -> Snapshot:
        path = Path(self.source).expanduser()
        if not path.exists():
            raise SourceError(f"{self.display}: no such directory (and not a git URL)")
        try:
            repo = open_repository(path, resolve_head=ref is None)
        except NotARepository:
            raise SourceError(
                f"{self.display}: not a git repository (use `reconciler validate PATH` for a plain directory)"
            ) from None
        dirty = self._start_dirty_check(repo) if ref is None else None
        sha = repo.head if ref is None else None
        try:
            sha = sha or self._resolve(repo, ref or "HEAD", default=ref is None)
            verification = self._verify(repo, ref, sha)
            try:
                return replace(self._read(repo, sha), verification=verification)
            except _Corrupt as exc:
                raise SourceError(f"{self.display}: cannot read commit {sha}: {exc}") from None
        finally:
            if dirty is not None:
                self._warn_uncommitted(dirty, sha)

    def _start_dirty_check(self, repo: Repository) -> BackgroundGit | None:
        """`git status` of the bindings files, run while the commit is read (None: no check needed)."""
        if self._warned_dirty or repo.bare:
            return None
        args = ["status", "--porcelain", "--untracked-files=all", "--", "layering.yaml", "bindings"]
        return BackgroundGit(args, Path(str(repo.working_tree_dir)), git_env())

    def _warn_uncommitted(self, dirty: BackgroundGit, sha: str | None) -> None:
        """One warning per source when bindings files differ from the commit that is read (once HEAD
        named one)."""
        try:
            changed = dirty.output() != ""
        except GitFailure:
            return
        if changed and sha:
            self._warned_dirty = True
            log.warning("%s: uncommitted changes to bindings files are not planned; using commit %s "
                        "(commit them, or run `reconciler validate` to check the working tree)",
                        self.display, sha[:12])

    # ---- remote repository through the cache --------------------------------------------------
    def _snapshot_remote(self, ref: str | None) -> Snapshot:
        with self._locked_entry():
            for attempt in (1, 2):
                try:
                    repo = self._open_cache()
                    if not self._remote_unchanged(repo):
                        self._fetch(repo, default=ref is None)
                    sha = self._resolve(repo, ref or REMOTE_HEAD, default=ref is None)
                    verification = self._verify(repo, ref, sha)
                    return replace(self._read(repo, sha), verification=verification)
                except _Corrupt as exc:
                    if attempt == 2:
                        message = f"{self.display}: the cache clone stays corrupt after re-cloning: {exc}"
                        raise SourceError(message) from None
                    self._discard_entry()
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def _locked_entry(self) -> Iterator[None]:
        """Hold this cache entry's lock file; waits for another process that holds it."""
        self._cache_root.mkdir(parents=True, exist_ok=True)
        lock_path = self.cache_path.with_name(self.cache_path.name + ".lock")
        with open(lock_path, "a+b") as lock:
            deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
            while True:
                try:
                    fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise SourceError(f"{self.display}: the cache entry {lock_path} stays locked by "
                                          "another process") from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _discard_entry(self) -> None:
        """Move the (locked) entry aside, then delete it: its path never holds half a repository."""
        if self.cache_path.exists():
            import tempfile  # (these two only when the clone cache changes)

            aside = Path(tempfile.mkdtemp(prefix=self.cache_path.name + ".old-", dir=self._cache_root))
            os.replace(self.cache_path, aside / "repo")
            shutil.rmtree(aside, ignore_errors=True)

    def _create_entry(self) -> None:
        """A new bare repository, built aside and renamed into place (called with the lock held)."""
        for stale in self._cache_root.glob(self.cache_path.name + ".new-*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a process killed while creating
        for stale in self._cache_root.glob(self.cache_path.name + ".old-*"):
            shutil.rmtree(stale, ignore_errors=True)
        import tempfile

        aside = Path(tempfile.mkdtemp(prefix=self.cache_path.name + ".new-", dir=self._cache_root))
        self._git(["init", "--bare", "--quiet", str(aside)], None)
        os.replace(aside, self.cache_path)

    def _open_cache(self) -> Repository:
        path = self.cache_path
        if not path.exists():
            self._create_entry()
        try:
            repo = open_repository(path)
        except NotARepository as exc:
            raise _Corrupt(f"not a git repository ({exc})") from None
        if not repo.bare:
            raise _Corrupt("not a bare repository")
        return repo

    def _fetch(self, repo: Repository, default: bool) -> None:
        """Fetch every branch and tag (pruned), plus the remote HEAD when it is needed and exists."""
        base = ["fetch", "--prune", "--no-tags", "--quiet", "--", self._url, *_BRANCHES_AND_TAGS]
        try:
            self._git([*base, f"+HEAD:{REMOTE_HEAD}"], repo)
        except GitFailure as failure:
            if "couldn't find remote ref head" not in failure.stderr.lower():
                raise self._fetch_error(failure) from None
            self._git_or_raise(base, repo)
            self._git(["update-ref", "-d", REMOTE_HEAD], repo)
            if default:
                message = f"{self.display}: the remote has no default branch (HEAD); pass --ref"
                raise SourceError(message) from None

    def _remote_unchanged(self, repo: Repository) -> bool:
        """One round trip (`git ls-remote`): the remote's branches, tags and HEAD are what the cache holds,
        so the fetch can be skipped. Any doubt (an error, no HEAD) means fetch, which reports it."""
        try:
            remote = _ref_lines(self._git(["ls-remote", "--", self._url, "HEAD", "refs/heads/*", "refs/tags/*"],
                                          None))
            local = _ref_lines(self._git(["for-each-ref", "--format=%(objectname)\t%(refname)",
                                          "refs/heads", "refs/tags", REMOTE_HEAD], repo))
        except GitFailure:
            return False
        head = local.pop(REMOTE_HEAD, None)
        if head is not None:
            local["HEAD"] = head
        return "HEAD" in remote and remote == local

    def _fetch_one(self, repo: Repository, ref: str) -> None:
        """Fetch a ref outside branches and tags (`refs/pull/1/head`, a full sha) on demand."""
        refspec = f"+{ref}:{ref}" if ref.startswith("refs/") else ref
        try:
            self._git(["fetch", "--no-tags", "--quiet", "--", self._url, refspec], repo)
        except GitFailure as failure:
            if failure.corrupt:
                raise _Corrupt(self._clean(failure.stderr)) from None

    def _fetch_error(self, failure: GitFailure) -> Exception:
        if failure.corrupt:
            return _Corrupt(self._clean(failure.stderr))
        reason = self._clean(describe_fetch_failure(failure.stderr))
        return SourceError(f"{self.display}: cannot fetch: {reason}")

    def _git_or_raise(self, args: list[str], repo: Repository) -> None:
        try:
            self._git(args, repo)
        except GitFailure as failure:
            raise self._fetch_error(failure) from None

    # ---- refs and reading ----------------------------------------------------------------------
    def _resolve(self, repo: Repository, ref: str, default: bool) -> str:
        sha = _resolve_in(repo, ref, self.display)
        if sha is None and is_url(self.source) and (ref.startswith("refs/") or len(ref) == 40):
            self._fetch_one(repo, ref)
            sha = _resolve_in(repo, ref, self.display)
        if sha is None:
            what = "the default branch (HEAD) has no commit" if default else f"ref '{ref}' not found"
            raise SourceError(f"{self.display}: {what} (no branch, tag or commit by that name)")
        return sha

    def _verify(self, repo: Repository, ref: str | None, sha: str) -> Verification | None:
        if self._verifier is None or not self._verifier.enabled:
            return None
        tag_ref = _tag_ref(repo, ref, sha)
        return self._verifier.verify(Path(repo.git_dir), self.display, sha, tag_ref)

    def _read(self, repo: Repository, sha: str) -> Snapshot:
        if self._last_read is not None and self._last_read.commit == sha:
            return self._last_read
        try:
            files, blobs, problems = read_commit_files(repo.git_dir, sha, self._blob_reader(repo, sha))
        except _READ_ERRORS as exc:
            raise _Corrupt(f"cannot read commit {sha}: {self._clean(str(exc))}") from None
        self._last_read = Snapshot(repo=self.display, commit=sha, files=files, problems=tuple(problems), blobs=blobs)
        return self._last_read

    def _blob_reader(self, repo: Repository, sha: str) -> BlobReader:
        """Contents read after the snapshot (those the parse cache lacks): under the cache entry's lock
        for a clone; a failure is a SourceError, and the next snapshot lists the commit again."""
        read = read_blobs_in(repo.git_dir)

        def read_locked(ids: Collection[str]) -> dict[str, bytes]:
            try:
                with self._locked_entry() if is_url(self.source) else contextlib.nullcontext():
                    return read(ids)
            except _READ_ERRORS as exc:
                self._last_read = None
                raise SourceError(f"{self.display}: cannot read commit {sha}: {self._clean(str(exc))}") from None

        return read_locked

    def _git(self, args: list[str], repo: Repository | None) -> str:
        cwd = Path(repo.git_dir) if repo is not None else None
        with auth_env(self._url if is_url(self._url) else None, self._token, self._user, self._ssh) as env:
            return run_git(args, cwd, env)

    def _clean(self, text: str) -> str:
        shown = text.replace(self.source, self.display).replace(self._url, self.display)
        return redact_text(shown, self._secrets())

    def _secrets(self) -> tuple[str, ...]:
        found = [self._token or ""]
        userinfo = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://([^/@]*)@", self.source)
        if userinfo:
            found.extend(part for part in userinfo.group(1).split(":") if len(part) >= 4)
        return tuple(s for s in found if s)


def _split_credentials(source: str, display: str) -> tuple[str, str | None, str | None]:
    """(URL for git's argv, user, password): an http(s) URL's credentials leave the URL.

    ssh authenticates with keys, so a password in an ssh URL is refused with what to do instead.
    """
    if "://" not in source:
        return source, None, None
    parts = urlsplit(source)
    if "@" not in parts.netloc:
        return source, None, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, colon, password = userinfo.partition(":")
    if parts.scheme in ("http", "https"):
        stripped = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
        if not colon:  # a token written as the user name (https://TOKEN@host/…)
            return stripped, None, unquote(user) or None
        return stripped, unquote(user), unquote(password)
    if colon:
        raise SourceError(f"{display}: a password in an {parts.scheme}:// URL is not used; authenticate with an "
                          "SSH key (~/.ssh), or use an https:// URL with --token-file PATH or $GIT_TOKEN")
    return source, None, None


def _ref_lines(text: str) -> dict[str, str]:
    """`<sha>\t<ref>` lines as {ref: sha}, peeled tag lines (`^{}`) left out."""
    refs = {}
    for line in text.splitlines():
        sha, _, name = line.partition("\t")
        if name and not name.endswith("^{}"):
            refs[name] = sha
    return refs


def _check_ref_syntax(display: str, ref: str) -> None:
    if not ref or ref.startswith("-") or any(c.isspace() or ord(c) < 32 for c in ref):
        raise SourceError(f"{display}: invalid ref {ref!r}")


def _resolve_in(repo: Repository, ref: str, display: str) -> str | None:
    """Branch, then tag (an ambiguous name is an error), then a sha or any other revision."""
    if ref.startswith("refs/") or ref == "HEAD":
        return _rev_parse(repo, ref)
    branch, tag = _rev_parse(repo, f"refs/heads/{ref}"), _rev_parse(repo, f"refs/tags/{ref}")
    if branch and tag and branch != tag:
        hint = f"use refs/heads/{ref} or refs/tags/{ref}"
        raise SourceError(f"{display}: ref '{ref}' is both a branch and a tag; {hint}")
    if branch or tag:
        return branch or tag
    return _rev_parse(repo, ref)


def _tag_ref(repo: Repository, ref: str | None, sha: str) -> str | None:
    """`refs/tags/<ref>` when `ref` names a tag of commit `sha`, else None."""
    if ref is None:
        return None
    full = ref if ref.startswith("refs/tags/") else f"refs/tags/{ref}"
    return full if _rev_parse(repo, full) == sha else None


def _rev_parse(repo: Repository, rev: str) -> str | None:
    try:
        out = run_git(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
            Path(repo.git_dir),
            git_env(),
        )
    except GitFailure:
        return None
    return out if re.fullmatch(r"[0-9a-f]{40}", out) else None
