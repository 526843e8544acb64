"""Credentials never reach git's argv or environment, which other processes of the user can read.

A `git` wrapper first on PATH records the argv and environment of every git process the source
runs (what /proc/<pid>/cmdline and /proc/<pid>/environ show), then runs the real git against a
real HTTP server that records the Authorization header it receives.
"""

from __future__ import annotations

import base64
import logging
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from reconciler.errors import SourceError
from reconciler.source import GitSource

SECRET = "s3cret-in-the-url-9f8e7d"


class _Recorder(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("Authorization", ""))
        self.send_response(403)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class GitSpy:
    argv_log: Path
    env_log: Path

    def seen(self) -> str:
        return self.argv_log.read_text() + self.env_log.read_text()


@pytest.fixture
def http_port() -> Iterator[int]:
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()


@pytest.fixture
def git_spy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitSpy:
    real = shutil.which("git")
    assert real is not None
    spy = GitSpy(tmp_path / "argv.log", tmp_path / "env.log")
    spy.argv_log.write_text("")
    spy.env_log.write_text("")
    wrapper = tmp_path / "bin" / "git"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {spy.argv_log}\nenv >> {spy.env_log}\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}:{Path(real).parent}")
    return spy


@pytest.mark.parametrize(("userinfo", "basic"), [
    (f"alice:{SECRET}", f"alice:{SECRET}"),
    (SECRET, f"x-access-token:{SECRET}"),  # a token written as the user name
], ids=["user-and-password", "token-as-user"])
def test_url_credentials_leave_argv_and_environment_and_travel_as_a_header(
    http_port: int, git_spy: GitSpy, tmp_path: Path, userinfo: str, basic: str
) -> None:
    url = f"http://{userinfo}@127.0.0.1:{http_port}/org/bindings.git"
    with pytest.raises(SourceError) as caught:
        GitSource(url, cache_dir=tmp_path / "cache").snapshot()
    assert "fetch" in git_spy.argv_log.read_text()  # the spy saw the real calls
    assert SECRET not in git_spy.seen()
    assert f"127.0.0.1:{http_port}/org/bindings.git" in git_spy.argv_log.read_text()
    expected = base64.b64encode(basic.encode()).decode()
    assert _Recorder.seen and all(header == f"Basic {expected}" for header in _Recorder.seen)
    assert SECRET not in str(caught.value) and "alice" not in str(caught.value)


def test_token_from_environment_is_not_passed_on_to_git(
    http_port: int, git_spy: GitSpy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_TOKEN", SECRET)
    with pytest.raises(SourceError):
        GitSource(f"http://127.0.0.1:{http_port}/org/bindings.git", cache_dir=tmp_path / "cache").snapshot()
    assert "GIT_TOKEN" not in git_spy.env_log.read_text() and SECRET not in git_spy.seen()
    expected = base64.b64encode(f"x-access-token:{SECRET}".encode()).decode()
    assert _Recorder.seen[0] == f"Basic {expected}"


def test_a_token_over_plain_http_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="reconciler"):
        GitSource("http://git.example.com/org/bindings.git", token="t0ken-abcdef")
        GitSource("https://git.example.com/org/bindings.git", token="t0ken-abcdef")
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == [
        "http://git.example.com/org/bindings.git: the token is sent unencrypted over plain http://; use https://"
    ]


def test_a_password_in_an_ssh_url_is_refused_with_what_to_do() -> None:
    with pytest.raises(SourceError) as caught:
        GitSource(f"ssh://git:{SECRET}@git.example.com/org/bindings.git")
    message = str(caught.value)
    assert SECRET not in message
    assert "--token-file" in message and "$GIT_TOKEN" in message and "SSH key" in message
