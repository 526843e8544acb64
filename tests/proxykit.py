"""A recording HTTP(S) proxy in front of the simulator: what the client really sent, on the wire.

The simulator does not keep request headers or query parameters it ignores, so tests that check
the client's User-Agent, fieldManager or bearer token put this between the client and the sim.
With `tls=True` it serves HTTPS with a self-signed certificate for 127.0.0.1 (made by openssl),
which is how an API server looks to a pod.
"""

from __future__ import annotations

import http.client
import shutil
import ssl
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) for 127.0.0.1; openssl is required (a local run without it skips)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not on PATH")
    cert, key = directory / "tls.crt", directory / "tls.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


class RecordingProxy:
    def __init__(self, upstream: str, certificate: tuple[Path, Path] | None = None) -> None:
        target = urlsplit(upstream)
        self.upstream = (target.hostname or "127.0.0.1", int(target.port or 80))
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), self)
        if certificate is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(certificate[0]), str(certificate[1]))
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.scheme = "https" if certificate else "http"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def requests(self) -> list[Seen]:
        with self.lock:
            return list(self.seen)

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def forward(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self.lock:
            self.seen.append(Seen(handler.command, parts.path, dict(parse_qsl(parts.query)), headers))
        length = int(headers.get("content-length") or 0)
        body = handler.rfile.read(length) if length else None
        upstream = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            upstream.request(handler.command, handler.path, body=body,
                             headers={k: v for k, v in headers.items() if k not in _HOP_BY_HOP})
            reply = upstream.getresponse()
            data = reply.read()
            handler.send_response(reply.status)
            for name, value in reply.getheaders():
                if name.lower() not in _HOP_BY_HOP:
                    handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        finally:
            upstream.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], proxy: RecordingProxy) -> None:
        self.proxy = proxy
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self.server.proxy.forward(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass
