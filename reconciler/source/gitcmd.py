"""Running git non-interactively, passing a token safely, and turning its failures into words.

A token never reaches git's argv or environment (both visible to other processes of the user):
the auth header goes in a private config file (mode 0600, in a 0700 directory, deleted after the
call) that git includes through GIT_CONFIG_* variables naming only its path.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from reconciler.errors import InvalidInput
from reconciler.records import record
from reconciler.source.urls import http_base

FETCH_TIMEOUT_SECONDS = 300.0

# git's stderr on a damaged local repository (as opposed to a remote problem)
_CORRUPT_MARKERS = (
    "bad object",
    "corrupt",
    "not a git repository",
    "unable to read",
    "missing blob",
    "missing tree",
    "object file",
    "bad index file",
    "did not send all necessary objects",
    "unable to parse",
)
_AUTH_MARKERS = (
    "authentication failed",
    "could not read username",
    "could not read password",
    "terminal prompts disabled",
    "permission denied",
    "host key verification failed",
    "the requested url returned error: 401",
    "the requested url returned error: 403",
)
_UNREACHABLE_MARKERS = (
    "could not resolve host",
    "connection refused",
    "failed to connect",
    "couldn't connect",
    "timed out",
    "no route to host",
    "network is unreachable",
    "connection reset",
    "ssl",
)
_NOT_FOUND_MARKERS = (
    "repository not found",
    "does not appear to be a git repository",
    "the requested url returned error: 404",
    "no such file or directory",
)


class GitFailure(Exception):
    """A git command failed; `stderr` is git's own text (may still contain secrets)."""

    def __init__(self, stderr: str) -> None:
        super().__init__(stderr)
        self.stderr = stderr

    @property
    def corrupt(self) -> bool:
        low = self.stderr.lower()
        return any(marker in low for marker in _CORRUPT_MARKERS)


@record
class SshOptions:
    """How git's ssh authenticates, the way Flux does it: one key file, one known_hosts file.

    With a key: only that key (`IdentitiesOnly`, no agent, no ~/.ssh keys). With a known_hosts
    file: only its host keys. Host keys are always checked strictly: an unknown or changed key
    is refused, never learned.
    """

    key_file: Path | None = None
    known_hosts_file: Path | None = None

    def checked(self) -> SshOptions:
        """Self, once both named files are readable; InvalidInput naming the file otherwise."""
        for path, what in ((self.key_file, "SSH key"), (self.known_hosts_file, "known_hosts")):
            if path is None:
                continue
            try:
                with path.open("rb"):
                    pass
            except OSError as exc:
                raise InvalidInput(f"{path}: cannot read the {what} file: {exc.strerror}") from None
        return self

    def command(self) -> str:
        """The GIT_SSH_COMMAND."""
        words = ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]
        if self.key_file is not None:
            words += ["-i", _ssh_path(self.key_file), "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none"]
        if self.known_hosts_file is not None:
            known_hosts = f'UserKnownHostsFile="{_ssh_path(self.known_hosts_file)}"'
            words += ["-o", known_hosts, "-o", "GlobalKnownHostsFile=/dev/null"]
        return shlex.join(words)


def _ssh_path(path: Path) -> str:
    """A path as ssh reads it in an option: `%` would start one of its tokens (`%h`, `%u`)."""
    return str(path).replace("%", "%%")


_PRIVATE_ENV = ("GIT_TOKEN",)  # our own inputs, never passed on to git


def git_env(ssh: SshOptions | None = None) -> dict[str, str]:
    """Environment additions for every git call: never prompt, English messages; ssh authenticates as
    `ssh` says (else the user's ssh setup, non-interactively)."""
    env = {
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_HTTP_LOW_SPEED_LIMIT": "1",
        "GIT_HTTP_LOW_SPEED_TIME": "60",
        "LC_ALL": "C",
        "LANGUAGE": "C",
    }
    if ssh is not None:
        env["GIT_SSH_COMMAND"] = ssh.command()
        env["GIT_SSH_VARIANT"] = "ssh"
    elif "GIT_SSH_COMMAND" not in os.environ and "GIT_SSH" not in os.environ:
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    return env


@contextlib.contextmanager
def auth_env(url: str | None, token: str | None, user: str | None = None,
             ssh: SshOptions | None = None) -> Iterator[dict[str, str]]:
    """git_env(ssh), plus for an http(s) `url` with a token the private config file holding its header."""
    env = git_env(ssh)
    base = http_base(url) if url else None
    if not (token and base):
        yield env
        return
    import tempfile  # (only with a token)

    with tempfile.TemporaryDirectory(prefix="reconciler-git-") as private:
        config = Path(private) / "auth.config"
        header = f"Authorization: Basic {_basic(user or _url_user(url or ''), token)}"
        fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(f'[http "{base}"]\n\textraHeader = {header}\n')
        index = int(os.environ.get("GIT_CONFIG_COUNT", "0") or "0")
        env["GIT_CONFIG_COUNT"] = str(index + 1)
        env[f"GIT_CONFIG_KEY_{index}"] = "include.path"
        env[f"GIT_CONFIG_VALUE_{index}"] = str(config)
        yield env


def _url_user(url: str) -> str:
    return unquote(urlsplit(url).username or "")


def _basic(user: str, token: str) -> str:
    return base64.b64encode(f"{user or 'x-access-token'}:{token}".encode()).decode()


def run_git(args: list[str], cwd: Path | None, env: dict[str, str]) -> str:
    """Run `git ARGS` (stdout returned, stripped); GitFailure with git's stderr on a non-zero exit."""
    return git_output(args, cwd, env).decode(errors="replace").strip()


def git_output(args: list[str], cwd: Path | None, env: dict[str, str], stdin: bytes | None = None) -> bytes:
    """`git ARGS` fed `stdin`: its stdout as bytes; GitFailure with git's stderr on a non-zero exit."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, env=_full_env(env), input=stdin if stdin is not None else b"",
            capture_output=True, timeout=FETCH_TIMEOUT_SECONDS, check=False,
        )
    except subprocess.TimeoutExpired:
        raise GitFailure(f"git timed out after {FETCH_TIMEOUT_SECONDS:.0f}s") from None
    except OSError as exc:
        raise GitFailure(f"cannot run git: {exc.strerror}") from None
    if done.returncode != 0:
        raise GitFailure(_text(done.stderr) or f"git exited with status {done.returncode}")
    return done.stdout


class BackgroundGit:
    """`git ARGS` started now and run beside the caller's work; `output()` waits for its stdout
    (stripped), GitFailure as run_git raises it. Call `output()` once, also on the way out of an error."""

    def __init__(self, args: list[str], cwd: Path | None, env: dict[str, str]) -> None:
        self._failure: GitFailure | None = None
        self._process: subprocess.Popen[bytes] | None = None
        try:
            self._process = subprocess.Popen(["git", *args], cwd=cwd, env=_full_env(env), stdin=subprocess.DEVNULL,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:
            self._failure = GitFailure(f"cannot run git: {exc.strerror}")

    def output(self) -> str:
        if self._process is None:
            raise self._failure or GitFailure("git did not start")
        try:
            out, err = self._process.communicate(timeout=FETCH_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.communicate()
            raise GitFailure(f"git timed out after {FETCH_TIMEOUT_SECONDS:.0f}s") from None
        if self._process.returncode != 0:
            raise GitFailure(_text(err) or f"git exited with status {self._process.returncode}")
        return out.decode(errors="replace").strip()


def _full_env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _PRIVATE_ENV} | env


def _text(stderr: bytes) -> str:
    return stderr.decode(errors="replace").strip()


_UNKNOWN_HOST_KEY = re.compile(r"No \S+ host key is known for (\S+) and you have requested strict checking")
_CHANGED_HOST_KEY = re.compile(r"Host key for (\S+) has changed and you have requested strict checking")
_NO_USER = re.compile(r"No user exists for uid (\d+)")


def describe_ssh_failure(stderr: str) -> str | None:
    """What ssh refused, naming the host, or None when ssh did not refuse on its own."""
    if found := _CHANGED_HOST_KEY.search(stderr):
        return (f"host key verification failed: the host key of {found.group(1)} has CHANGED since it "
                "was recorded in known_hosts (someone may be intercepting the connection); nothing was "
                "fetched. If the server's key really changed, replace its known_hosts entry")
    if found := _UNKNOWN_HOST_KEY.search(stderr):
        return (f"host key verification failed: {found.group(1)} is not in the known_hosts file; nothing "
                "was fetched. Add its key (ssh-keyscan, checked out of band) to the known_hosts file")
    if "host key verification failed" in stderr.lower():
        return "host key verification failed: the server's key is not in the known_hosts file"
    if found := _NO_USER.search(stderr):
        return (f"ssh cannot run as uid {found.group(1)}: the uid has no /etc/passwd entry (CRI-O, as "
                "OpenShift runs it, adds one; elsewhere run the image as a uid it knows, e.g. 1001)")
    return None


def describe_fetch_failure(stderr: str) -> str:
    """A short reason (`authentication failed: …`) from git's stderr; the caller redacts it."""
    if ssh := describe_ssh_failure(stderr):
        return ssh
    low = stderr.lower()
    detail = _main_line(stderr)
    for label, markers in (
        ("authentication failed", _AUTH_MARKERS),
        ("repository not found", _NOT_FOUND_MARKERS),
        ("remote unreachable", _UNREACHABLE_MARKERS),
    ):
        if any(marker in low for marker in markers):
            return f"{label}: {detail}"
    return detail


def _main_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    fatal = [line for line in lines if line.lower().startswith(("fatal:", "error:"))]
    chosen = fatal[0] if fatal else (lines[-1] if lines else "git failed")
    return chosen.split(":", 1)[1].strip() if fatal else chosen
