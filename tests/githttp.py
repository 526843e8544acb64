"""A real git smart-HTTP server on 127.0.0.1: git's own `git http-backend` behind a small CGI bridge,
requiring one token (HTTP Basic, any user name), as a git host with a deploy token does.

Every request is recorded (path and Authorization header); `delay` holds each reply a little, so a
test can look at the client's processes while they are alive.
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BACKEND = "/usr/lib/git-core/git-http-backend"


class GitHttpServer:
    def __init__(self, root: Path, token: str, delay: float = 0.0) -> None:
        self.root, self.token, self.delay = root, token, delay
        self.seen: list[tuple[str, str]] = []  # (path, Authorization)
        self._httpd = _Server(("127.0.0.1", 0), self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def url(self, repo: str) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/{repo}"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def authorized(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            _, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return password == self.token

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        header = handler.headers.get("Authorization", "")
        self.seen.append((handler.path, header))
        time.sleep(self.delay)
        if not self.authorized(header):
            handler.send_response(401)
            handler.send_header("WWW-Authenticate", 'Basic realm="git"')
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1", "REQUEST_METHOD": handler.command, "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query, "CONTENT_TYPE": handler.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)), "REMOTE_ADDR": "127.0.0.1", "REMOTE_USER": "deploy",
            "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(self.root),
        }
        if handler.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = handler.headers["Content-Encoding"]
        if handler.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = handler.headers["Git-Protocol"]
        done = subprocess.run([BACKEND], input=body, env=env, capture_output=True, check=False)
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], git: GitHttpServer) -> None:
        self.git = git
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self.server.git.serve(self)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass
