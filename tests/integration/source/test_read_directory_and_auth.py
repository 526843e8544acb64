"""read_directory on a plain checkout, and the token reaching an HTTP remote only as a header."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from source_repos import WorkRepo

from reconciler.errors import SourceError
from reconciler.source import GitSource, read_directory


def test_read_directory_working_tree_with_refusals(tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    (root / "bindings/sub").mkdir(parents=True)
    (root / "layering.yaml").write_text("policy\n")
    (root / "bindings/a.yaml").write_text("a\n")
    (root / "bindings/sub/b.yml").write_text("b\n")
    (root / "bindings/notes.txt").write_text("ignored\n")
    (root / "bindings/big.yaml").write_bytes(b"#" * (1024 * 1024 + 1))
    (tmp_path / "outside.yaml").write_text("secret\n")
    (root / "bindings/escape.yaml").symlink_to(tmp_path / "outside.yaml")
    (root / "bindings/inside.yaml").symlink_to("a.yaml")
    (root / "bindings/linked").symlink_to(root / "bindings/sub")
    snap = read_directory(root)
    assert snap.commit == ""
    assert snap.repo == str(root)
    assert snap.files == {
        "layering.yaml": b"policy\n",
        "bindings/a.yaml": b"a\n",
        "bindings/inside.yaml": b"a\n",
        "bindings/sub/b.yml": b"b\n",
    }
    assert sorted(p.split(":")[0] for p in snap.problems) == [
        "bindings/big.yaml",
        "bindings/escape.yaml",
        "bindings/linked",
        "bindings/notes.txt",  # a file the loader does not read is never silent
    ]


def test_read_directory_reports_head_and_includes_uncommitted(work: WorkRepo) -> None:
    work.write("bindings/a.yaml", "committed\n")
    sha = work.commit()
    work.write("bindings/a.yaml", "edited\n")
    snap = read_directory(work.path)
    assert snap.commit == sha
    assert snap.files == {"bindings/a.yaml": b"edited\n"}


class _Recorder(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:
        self.seen.append(f"{self.path} {self.headers.get('Authorization', '')}")
        self.send_response(403)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_remote() -> Iterator[tuple[str, list[str]]]:
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/org/bindings.git", _Recorder.seen
    server.shutdown()
    server.server_close()


def test_token_sent_as_basic_header_and_never_shown(
    http_remote: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, seen = http_remote
    token = "tok-1234567890"
    with pytest.raises(SourceError) as caught:
        GitSource(url, cache_dir=tmp_path, token=token).snapshot()
    expected = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    assert seen and all(line.endswith(f"Basic {expected}") for line in seen)
    assert all(token not in line.split(" ")[0] for line in seen)  # never in the URL
    assert token not in str(caught.value) and expected not in str(caught.value)
    assert str(caught.value).startswith(f"{url}: cannot fetch: authentication failed")


def test_git_token_environment_variable(
    http_remote: tuple[str, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, seen = http_remote
    monkeypatch.setenv("GIT_TOKEN", "env-token-abcdef")
    with pytest.raises(SourceError):
        GitSource(url, cache_dir=tmp_path).snapshot()
    expected = base64.b64encode(b"x-access-token:env-token-abcdef").decode()
    assert seen[0].endswith(f"Basic {expected}")
