"""Running git non-interactively, passing a token safely, and turning its failures into words."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from git.cmd import Git
from git.exc import GitCommandError

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


def git_env(url: str | None = None, token: str | None = None) -> dict[str, str]:
    """Environment for every git call: never prompt; a token goes in a header scoped to the host."""
    env = {"GIT_TERMINAL_PROMPT": "0", "GIT_HTTP_LOW_SPEED_LIMIT": "1", "GIT_HTTP_LOW_SPEED_TIME": "60"}
    if "GIT_SSH_COMMAND" not in os.environ and "GIT_SSH" not in os.environ:
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    base = http_base(url) if url else None
    if token and base:
        index = int(os.environ.get("GIT_CONFIG_COUNT", "0") or "0")
        env["GIT_CONFIG_COUNT"] = str(index + 1)
        env[f"GIT_CONFIG_KEY_{index}"] = f"http.{base}.extraHeader"
        env[f"GIT_CONFIG_VALUE_{index}"] = f"Authorization: Basic {_basic(url or '', token)}"
    return env


def _basic(url: str, token: str) -> str:
    user = unquote(urlsplit(url).username or "") or "x-access-token"
    return base64.b64encode(f"{user}:{token}".encode()).decode()


def run_git(args: list[str], cwd: Path | None, env: dict[str, str]) -> str:
    """Run `git ARGS` (stdout returned, stripped); GitFailure with git's stderr on a non-zero exit."""
    runner = Git(str(cwd) if cwd else None)
    try:
        out = runner.execute(
            ["git", *args], env=env, kill_after_timeout=FETCH_TIMEOUT_SECONDS, stdout_as_string=True
        )
    except GitCommandError as exc:
        raise GitFailure(_text(exc.stderr) or f"git exited with status {exc.status}") from None
    return str(out).strip()


def _text(stderr: object) -> str:
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else str(stderr or "")
    text = text.strip()
    return text.removeprefix("stderr:").strip().strip("'").strip()


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
