"""The simulator's Kubernetes-compatible HTTP API server (HTTP/1.1, chunked watches)."""

from __future__ import annotations

import contextlib
import json
import logging
import select
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..errors import ApiError
from ..rbac import Request, User
from ..resources import RESOURCES, ResourceType
from ..store import Store
from . import discovery, openapi, protobuf, tls
from .auth import Auth, request_of
from .encoding import EncodingCache, dumps
from .faults import ApiFaults
from .resources_api import Call, Reply, ResourceApi, method_not_allowed, parse_json
from .routing import Route, not_found_path, route
from .tables import wants_table
from .watch import POLL_SECONDS, PreviousVersions, WatchRequest, WatchStream

log = logging.getLogger("mcosim.api")
AdminHandler = Callable[[str, str, dict[str, str], Any], tuple[int, Any]]
JSON = "application/json"
WRITE_VERBS = ("create", "update", "patch", "delete", "deletecollection")


@dataclass(frozen=True)
class WriteRecord:
    """One write the API answered, in the order answered: who (User-Agent) wrote what, and when."""

    at: float  # time.monotonic() when the reply was ready
    agent: str
    verb: str
    resource: str
    namespace: str
    name: str
    code: int
    holder: str = ""  # leases only: spec.holderIdentity after the write


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: ApiServer) -> None:
        self.api = api
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (killed, timed out) is no error of the server's: no traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def finish_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        try:
            super().finish_request(request, client_address)
        finally:
            with self.connections_lock:
                self.connections.discard(request)


class _HttpsServer(_HttpServer):
    """The same API over TLS; the handshake runs in the connection's own thread."""

    def __init__(self, address: tuple[str, int], api: ApiServer, context: ssl.SSLContext) -> None:
        self.context = context
        super().__init__(address, api)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # the TLS socket takes over the connection's descriptor, so it is the one to close
        with self.context.wrap_socket(request, server_side=True, do_handshake_on_connect=False) as wrapped:
            try:
                wrapped.do_handshake()
            except (ssl.SSLError, OSError):
                return
            super().finish_request(wrapped, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server: _HttpServer

    def do_GET(self) -> None:
        self.server.api.handle(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _verb(method: str, target: Route, query: dict[str, str]) -> str:
    if method == "GET":
        if query.get("watch") in ("true", "1"):
            return "watch"
        return "list" if target.is_collection else "get"
    if method == "DELETE" and target.is_collection:
        return "deletecollection"
    verbs = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
    return verbs.get(method, method.lower())


def _watch_fields(target: Route, query: dict[str, str]) -> str | None:
    """A watch on a named path is a watch on the collection filtered by name."""
    fields = query.get("fieldSelector")
    if target.name is None:
        return fields
    by_name = f"metadata.name={target.name}"
    return f"{fields},{by_name}" if fields else by_name


class ApiServer:
    def __init__(
        self,
        store: Store,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        admin: AdminHandler | None = None,
        registry: AdminHandler | None = None,
        faults: ApiFaults | None = None,
        version: str = "v1.32.4",
        openshift_version: str = "4.16.3",
        tls_port: int | None = None,
        served: tuple[ResourceType, ...] = RESOURCES,
    ) -> None:
        """tls_port: also serve HTTPS there (0: any free port) with a fresh self-signed certificate."""
        self.store = store
        self.served = served  # the resource types this release serves; others answer 404
        self.errors: list[str] = []  # handler failures (answered 500), kept so tests can assert none
        self.admin = admin
        self.registry = registry  # serves /v2/ (the OCI distribution API), when given
        self.faults = faults if faults is not None else ApiFaults()
        self.version, self.openshift_version = version, openshift_version
        self._cache = EncodingCache()
        self._resources = ResourceApi(store, self._cache)
        self._previous = PreviousVersions(store)
        self._stopped = threading.Event()
        self._watches = 0  # open watch streams, ended gracefully on stop
        self._watches_changed = threading.Condition()
        self.auth = Auth(store)
        self._httpd = _HttpServer((host, port), self)
        self.cert = tls.generate() if tls_port is not None else None
        self._httpsd = (_HttpsServer((host, tls_port or 0), self, self.cert.server_context())
                        if self.cert is not None and tls_port is not None else None)
        self._servers = [self._httpd] + ([self._httpsd] if self._httpsd is not None else [])
        self._threads: list[threading.Thread] = []
        self.writes: list[WriteRecord] = []  # every answered write (tests check who wrote what)
        self._writes_lock = threading.Lock()

    @property
    def url(self) -> str:
        return _url("http", self._httpd)

    @property
    def https_url(self) -> str | None:
        """The HTTPS endpoint (where kubectl sends a token), when serving TLS."""
        return _url("https", self._httpsd) if self._httpsd is not None else None

    def start(self) -> None:
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, args=(0.1,), name="mcosim-api", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop accepting, end open watches and close every open connection."""
        self._stopped.set()
        with self.store.changed:
            self.store.changed.notify_all()
        for server, thread in zip(self._servers, self._threads, strict=False):
            server.shutdown()
            thread.join(timeout=5)
        for server in self._servers:
            server.server_close()
        with self._watches_changed:
            self._watches_changed.wait_for(lambda: self._watches == 0, timeout=2 * POLL_SECONDS + 1)
        open_sockets = []
        for server in self._servers:
            with server.connections_lock:
                open_sockets += list(server.connections)
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    # ---- request handling --------------------------------------------------------------------
    def handle(self, h: _Handler) -> None:
        parts = urlsplit(h.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        body = _read_body(h)
        try:
            if self.registry is not None and (parts.path == "/v2" or parts.path.startswith("/v2/")):
                code, answer = self.registry(h.command, parts.path, query, None)
                self._send(h, Reply(code, dumps(answer)))
                return
            user = self.auth.identity(h.headers.get("Authorization"), h.headers.get("Impersonate-User"),
                                      tuple(h.headers.get_all("Impersonate-Group") or ()))
            target = route(parts.path)
            if target is None:
                self.auth.check(user, Request(h.command.lower(), path=parts.path))
                if parts.path.startswith("/sim/"):
                    self._send(h, self._sim(h.command, parts.path, query, body))
                    return
                self._send(h, self._non_resource(h.command, parts.path))
                return
            self._resource(h, target, query, body, user)
        except ApiError as exc:
            self._send(h, Reply(exc.code, dumps(exc.status()), _retry_after(exc)))
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True
        except Exception as exc:  # a bug in the simulator: answer like an API server would
            log.exception("%s %s failed", h.command, h.path)
            self.errors.append(f"{h.command} {h.path}: {exc!r}")
            error = ApiError(500, "InternalError", f"Internal error occurred: {type(exc).__name__}: {exc}")
            self._send(h, Reply(500, dumps(error.status())))

    def _resource(self, h: _Handler, target: Route, query: dict[str, str], body: bytes, user: User | None) -> None:
        verb = _verb(h.command, target, query)
        self.auth.check(user, request_of(verb, target, query))
        decision = self.faults.decide(verb, target.rt.plural, target.subresource)
        if decision.latency:
            time.sleep(decision.latency)
        if decision.drop:
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
            return
        if decision.error is not None:
            raise decision.error
        if target.rt not in self.served or (
            target.rt.namespaced and target.namespace is None and target.name is not None
        ):
            raise not_found_path()
        content_type = (h.headers.get("Content-Type") or "").split(";")[0].strip()
        if content_type == protobuf.MEDIA_TYPE and verb in ("create", "update") and not self.auth.serves(target):
            body, content_type = dumps(protobuf.typed_object(target.rt.kind, body)), JSON
        call = Call(h.command, target, query, content_type, h.headers.get("Accept") or "", body)
        if self.auth.serves(target):
            self._send(h, self.auth.serve(user, verb, call))
            return
        if verb == "watch":
            self._watch(h, call)
            return
        reply = self._dispatch(verb, call)
        if verb in WRITE_VERBS:
            record = WriteRecord(time.monotonic(), h.headers.get("User-Agent") or "", verb, target.rt.plural,
                                 target.namespace or "", target.name or _name(reply), reply.code,
                                 _holder(target, reply))
            with self._writes_lock:
                self.writes.append(record)
        self._send(h, reply)

    def _dispatch(self, verb: str, call: Call) -> Reply:
        api = self._resources
        if call.route.subresource == "eviction":
            if verb != "create":
                raise method_not_allowed()
            return api.evict(call)
        if call.route.subresource == "status" and verb not in ("get", "update", "patch"):
            raise method_not_allowed()
        handlers: dict[str, Callable[[Call], Reply]] = {
            "get": api.get, "list": api.list_all, "create": api.create, "update": api.update,
            "patch": api.patch, "delete": api.delete, "deletecollection": api.delete_collection,
        }
        if verb not in handlers or (verb == "create" and not call.route.is_collection) \
                or (verb in ("update", "patch") and call.route.is_collection):
            raise method_not_allowed()
        return handlers[verb](call)

    def _watch(self, h: _Handler, call: Call) -> None:
        q = call.query
        timeout = q.get("timeoutSeconds")
        request = WatchRequest(
            rt=call.route.rt, namespace=call.route.namespace, labels=q.get("labelSelector"),
            fields=_watch_fields(call.route, q), resource_version=q.get("resourceVersion"),
            timeout=float(timeout) if timeout and timeout.isdigit() else None,
            table=wants_table(call.accept), include=q.get("includeObject", "Metadata"),
        )
        stream = WatchStream(self.store, self._previous, self._cache, request, self._stopped,
                             lambda: _client_gone(h.connection))
        with self._watches_changed:
            self._watches += 1
        try:
            self._stream(h, stream.lines())
        finally:
            h.close_connection = self._stopped.is_set()
            with self._watches_changed:
                self._watches -= 1
                self._watches_changed.notify_all()

    def _stream(self, h: _Handler, lines: Iterator[bytes]) -> None:
        h.send_response(200)
        h.send_header("Content-Type", JSON)
        h.send_header("Transfer-Encoding", "chunked")
        h.send_header("Cache-Control", "no-cache, private")
        h.end_headers()
        h.wfile.flush()
        for line in lines:
            h.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
            h.wfile.flush()
        h.wfile.write(b"0\r\n\r\n")
        h.wfile.flush()

    def _sim(self, method: str, path: str, query: dict[str, str], body: bytes) -> Reply:
        """`/sim/faults` is ours; every other `/sim/` path belongs to the admin handler. Never faulted."""
        try:
            parsed = parse_json(body, required=False)
        except ApiError as exc:
            return Reply(400, dumps({"message": exc.message}))
        if path.rstrip("/") == "/sim/faults":
            code, answer = self.faults.handle(method, parsed)
        elif path.rstrip("/") == "/sim/auth/denials":
            code, answer = 200, self.auth.denial_report()
        elif self.admin is None:
            code, answer = 404, {"message": f"no admin handler for {path}"}
        else:
            code, answer = self.admin(method, path, query, parsed)
        return Reply(code, dumps(answer))

    def _non_resource(self, method: str, path: str) -> Reply:
        if method != "GET":
            raise method_not_allowed()
        path = path.rstrip("/") or "/"
        if path in ("/healthz", "/readyz", "/livez"):
            return Reply(200, b"ok", {"Content-Type": "text/plain; charset=utf-8"})
        if path.startswith("/openapi/v3"):
            return self._openapi(path)
        body = self._discovery(path)
        if body is None:
            raise not_found_path()
        return Reply(200, dumps(body))

    def _discovery(self, path: str) -> dict[str, Any] | None:
        parts = path.strip("/").split("/")
        if path == "/version":
            return discovery.version_info(self.version)
        if path == "/version/openshift":
            return discovery.openshift_version_info(self.openshift_version)
        if path == "/api":
            return discovery.api_versions(self.url.removeprefix("http://"))
        if path == "/apis":
            return discovery.api_group_list(self.served)
        if parts[0] == "api" and len(parts) == 2:
            return discovery.resource_list("", parts[1], self.served)
        if parts[0] == "apis" and len(parts) == 2:
            return discovery.api_group(parts[1], self.served)
        if parts[0] == "apis" and len(parts) == 3:
            return discovery.resource_list(parts[1], parts[2], self.served)
        return None

    def _openapi(self, path: str) -> Reply:
        if path == "/openapi/v3":
            return Reply(200, openapi.root_document())
        doc = openapi.document_for(path.removeprefix("/openapi/v3"))
        if doc is None:
            raise not_found_path()
        return Reply(200, doc, {"Cache-Control": "public, immutable"})

    def _send(self, h: _Handler, reply: Reply) -> None:
        h.send_response(reply.code)
        headers = {"Content-Type": JSON, **reply.headers}
        for name, value in headers.items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(reply.body)))
        h.end_headers()
        h.wfile.write(reply.body)
        h.wfile.flush()


def _name(reply: Reply) -> str:
    """The name of a created object (a create is a POST to the collection)."""
    with contextlib.suppress(ValueError, AttributeError):
        return str(json.loads(reply.body).get("metadata", {}).get("name") or "")
    return ""


def _holder(target: Route, reply: Reply) -> str:
    if target.rt.plural != "leases" or reply.code >= 300:
        return ""
    with contextlib.suppress(ValueError, AttributeError):
        return str(json.loads(reply.body).get("spec", {}).get("holderIdentity") or "")
    return ""


def _retry_after(error: ApiError) -> dict[str, str]:
    """A Status asking the client to retry later carries the header too (client-go then retries itself)."""
    seconds = (error.details or {}).get("retryAfterSeconds")
    return {"Retry-After": str(seconds)} if seconds else {}


def _read_body(h: _Handler) -> bytes:
    length = int(h.headers.get("Content-Length") or 0)
    if length:
        return h.rfile.read(length)
    if "chunked" in (h.headers.get("Transfer-Encoding") or "").lower():
        return _read_chunked(h)
    return b""


def _read_chunked(h: _Handler) -> bytes:
    data = b""
    while True:
        size = int(h.rfile.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            h.rfile.readline()
            return data
        data += h.rfile.read(size)
        h.rfile.readline()


def _client_gone(conn: socket.socket) -> bool:
    """True when the peer closed its side (readable with nothing to read)."""
    try:
        readable, _, _ = select.select([conn], [], [], 0)
        if readable and isinstance(conn, ssl.SSLSocket):  # peek below TLS: only a closed TCP stream counts
            with socket.socket(fileno=socket.dup(conn.fileno())) as raw:
                return raw.recv(1, socket.MSG_PEEK) == b""
        return bool(readable) and conn.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def _url(scheme: str, server: _HttpServer) -> str:
    host, port = server.server_address[:2]
    return f"{scheme}://{host.decode() if isinstance(host, bytes) else host}:{port}"
