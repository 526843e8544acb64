"""How requests reach the API server: the `Transport` seam, and a light one over the standard library.

`KubeApi` (api.py) speaks only to a Transport: a method, an API path, query parameters and a JSON
body in; the reply's bytes out, or one of the two failures of errors.py. `HttpTransport` serves
every static kubeconfig (a server, its CA, a token or a client certificate) and the in-cluster
service account with `http.client` and `ssl`: kept-alive connections, one per thread at a time,
and no import of the kubernetes client (most of a second of every CLI call). kubeclient.py wraps
the kubernetes client for what this one does not do (exec plugins, auth providers, proxies).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import select
import socket
import ssl
import threading
import time
import weakref
from collections.abc import Generator, Sequence
from typing import Any, Protocol
from urllib.parse import quote, urlencode, urlsplit

from reconciler.records import record

from .errors import HttpFailure, Unreachable

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
Query = Sequence[tuple[str, str]]
TOKEN_REREAD_SECONDS = 60.0  # client-go's cached file token source, and the Python client in a pod


class Transport(Protocol):
    user_agent: str

    @property
    def host(self) -> str:
        """The API server's URL as configured (`https://host:port`)."""
        ...

    def request(self, method: str, path: str, query: Query, body: Any, content_type: str,
                timeout: tuple[float, float]) -> bytes:
        """One request; the reply body of a 2xx answer, else HttpFailure or Unreachable."""
        ...

    def stream(self, path: str, query: Query, timeout: tuple[float, float]) -> Generator[bytes, None, None]:
        """A GET whose answer arrives line by line (a watch): each non-empty line as it comes."""
        ...

    def close(self) -> None: ...


def target(base: str, path: str, query: Query) -> str:
    return f"{base}{path}?{urlencode(query, quote_via=quote)}" if query else f"{base}{path}"


@record
class Endpoint:
    """Everything a static kubeconfig context (or the in-cluster account) says about the connection."""

    server: str
    ca_file: str = ""
    ca_data: bytes = b""  # PEM
    insecure: bool = False  # insecure-skip-tls-verify
    cert_file: str = ""
    key_file: str = ""
    cert_data: bytes = b""
    key_data: bytes = b""
    token: str = ""
    token_file: str = ""  # re-read every minute (a kubelet-rotated token keeps working)

    def tls_context(self) -> ssl.SSLContext:
        if self.insecure:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif self.ca_data:
            context = ssl.create_default_context(cadata=self.ca_data.decode("ascii", "replace"))
        else:
            context = ssl.create_default_context(cafile=self.ca_file or None)
        if self.cert_data or self.cert_file:
            _load_client_certificate(context, self)
        return context


def _load_client_certificate(context: ssl.SSLContext, endpoint: Endpoint) -> None:
    """ssl reads a certificate and key only from files: inline data goes through a private temporary
    directory that is removed as soon as the context holds them."""
    if not (endpoint.cert_data or endpoint.key_data):
        context.load_cert_chain(endpoint.cert_file, endpoint.key_file or None)
        return
    import tempfile  # (only for inline certificate data)

    with tempfile.TemporaryDirectory(prefix="reconciler-tls-") as tmp:
        cert, key = endpoint.cert_file, endpoint.key_file
        if endpoint.cert_data:
            cert = os.path.join(tmp, "tls.crt")
            _write_private(cert, endpoint.cert_data)
        if endpoint.key_data:
            key = os.path.join(tmp, "tls.key")
            _write_private(key, endpoint.key_data)
        context.load_cert_chain(cert, key or None)


def _write_private(path: str, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)


class BearerToken:
    """The Authorization header: a fixed token, or a token file read again once a minute (its last
    good value wins over the fixed token, as in client-go)."""

    def __init__(self, token: str = "", token_file: str = "") -> None:
        self._token, self._file = token.strip(), token_file
        self._next_read = 0.0
        self._lock = threading.Lock()

    def header(self) -> str:
        if self._file:
            with self._lock:
                now = time.monotonic()
                if now >= self._next_read:
                    self._next_read = now + TOKEN_REREAD_SECONDS
                    self._token = _read_token(self._file) or self._token
        return f"Bearer {self._token}" if self._token else ""


def _read_token(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


class HttpTransport:
    """Requests over kept-alive `http.client` connections: each request takes an idle connection (or
    opens one) and gives it back once the reply is read; a watch has a connection of its own."""

    def __init__(self, endpoint: Endpoint, user_agent: str = "") -> None:
        parts = urlsplit(endpoint.server)
        self._secure = parts.scheme == "https"
        self._hostname = parts.hostname or ""
        self._port = parts.port or (443 if self._secure else 80)
        self._base = parts.path.rstrip("/")
        self._server = f"{parts.scheme}://{parts.netloc}"
        self._host = endpoint.server.rstrip("/")
        self._context = endpoint.tls_context() if self._secure else None
        self._token = BearerToken(endpoint.token, endpoint.token_file)
        self.user_agent = user_agent
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._close_idle = weakref.finalize(self, _close_all, self._idle, self._lock)  # also when dropped unclosed

    @property
    def host(self) -> str:
        return self._host

    def request(self, method: str, path: str, query: Query, body: Any, content_type: str,
                timeout: tuple[float, float]) -> bytes:
        payload = None if body is None else json.dumps(body).encode()
        connection = self._checkout(timeout)
        try:
            connection.request(method, target(self._base, path, query), body=payload,
                               headers=self._headers(content_type if payload is not None else ""))
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise self._failure(exc) from None
        if response.will_close:
            connection.close()
        else:
            self._checkin(connection)
        if not 200 <= response.status <= 299:
            raise HttpFailure(response.status, response.reason, data.decode("utf-8", "replace"))
        return data

    def stream(self, path: str, query: Query, timeout: tuple[float, float]) -> Generator[bytes, None, None]:
        connection = self._open(timeout)
        try:
            connection.request("GET", target(self._base, path, query), headers=self._headers(""))
            response = connection.getresponse()
            if not 200 <= response.status <= 299:
                raise HttpFailure(response.status, response.reason, response.read().decode("utf-8", "replace"))
            while line := response.readline():
                if line.strip():
                    yield line.rstrip(b"\r\n")
        except (OSError, http.client.HTTPException) as exc:
            raise self._failure(exc) from None
        finally:
            connection.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._close_idle()

    # ---- connections ---------------------------------------------------------------------------
    def _headers(self, content_type: str) -> dict[str, str]:
        headers = {"Accept": JSON, "User-Agent": self.user_agent}
        if content_type:
            headers["Content-Type"] = content_type
        authorization = self._token.header()
        if authorization:
            headers["Authorization"] = authorization
        return headers

    def _checkout(self, timeout: tuple[float, float]) -> http.client.HTTPConnection:
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                return self._open(timeout)
            if connection.sock is not None and not _dropped(connection.sock):
                connection.sock.settimeout(timeout[1])
                return connection
            connection.close()

    def _checkin(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(connection)
                return
        connection.close()

    def _open(self, timeout: tuple[float, float]) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection
        if self._context is not None:
            connection = http.client.HTTPSConnection(self._hostname, self._port, timeout=timeout[0],
                                                     context=self._context)
        else:
            connection = http.client.HTTPConnection(self._hostname, self._port, timeout=timeout[0])
        try:
            connection.connect()
        except ssl.SSLError as exc:
            connection.close()
            raise HttpFailure(0, f"{type(exc).__name__}: {exc}") from None
        except OSError as exc:
            connection.close()
            raise Unreachable("timed out" if isinstance(exc, TimeoutError) else "connection failed",
                              self._server, type(exc).__name__) from None
        assert connection.sock is not None
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection.sock.settimeout(timeout[1])
        return connection

    def _failure(self, exc: Exception) -> Exception:
        if isinstance(exc, ssl.SSLError):
            return HttpFailure(0, f"{type(exc).__name__}: {exc}")
        what = "timed out" if isinstance(exc, TimeoutError) else "connection error"
        return Unreachable(what, self._server, type(exc).__name__)


def _close_all(connections: list[http.client.HTTPConnection], lock: threading.Lock) -> None:
    with lock:
        idle = list(connections)
        connections.clear()
    for connection in idle:
        connection.close()


def _dropped(sock: socket.socket) -> bool:
    """An idle kept-alive connection that is readable was closed by the server (or is out of step)."""
    with contextlib.suppress(OSError, ValueError):
        return bool(select.select([sock], [], [], 0)[0])
    return True
