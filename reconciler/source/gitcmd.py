"""Running git non-interactively, passing a token safely, and turning its failures into words.

A token never reaches git's argv or environment (both visible to other processes of the user):
the auth header goes in a private config file (mode 0600, in a 0700 directory, deleted after the
call) that git includes through GIT_CONFIG_* variables naming only its path.
"""

from __future__ import annotations

import base64
import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

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


_PRIVATE_ENV = ("GIT_TOKEN",)  # our own inputs, never passed on to git


def git_env() -> dict[str, str]:
    """Environment additions for every git call: never prompt, English messages, batch ssh."""
    env = {
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_HTTP_LOW_SPEED_LIMIT": "1",
        "GIT_HTTP_LOW_SPEED_TIME": "60",
        "LC_ALL": "C",
        "LANGUAGE": "C",
    }
    if "GIT_SSH_COMMAND" not in os.environ and "GIT_SSH" not in os.environ:
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    return env


@contextlib.contextmanager
def auth_env(url: str | None, token: str | None, user: str | None = None) -> Iterator[dict[str, str]]:
    """git_env(), plus for an http(s) `url` with a token the private config file holding its header."""
    env = git_env()
    base = http_base(url) if url else None
    if not (token and base):
        yield env
        return
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
    full_env = {k: v for k, v in os.environ.items() if k not in _PRIVATE_ENV} | env
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, env=full_env, stdin=subprocess.DEVNULL, capture_output=True,
            timeout=FETCH_TIMEOUT_SECONDS, check=False,
        )
    except subprocess.TimeoutExpired:
        raise GitFailure(f"git timed out after {FETCH_TIMEOUT_SECONDS:.0f}s") from None
    except OSError as exc:
        raise GitFailure(f"cannot run git: {exc.strerror}") from None
    if done.returncode != 0:
        raise GitFailure(_text(done.stderr) or f"git exited with status {done.returncode}")
    return done.stdout.decode(errors="replace").strip()


def _text(stderr: bytes) -> str:
    return stderr.decode(errors="replace").strip()


def describe_fetch_failure(stderr: str) -> str:
    """A short reason (`authentication failed: …`) from git's stderr; the caller redacts it."""
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
