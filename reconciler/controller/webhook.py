"""Webhook receivers: a signed push asks for a pass now instead of at the next poll.

POST /hook/github  X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>   (X-GitHub-Event: ping → 200)
POST /hook/gitlab  X-Gitlab-Token: <the secret>
POST /hook/generic X-Signature: sha256=<HMAC-SHA256 of the body>        (any body; a JSON "ref" is honoured)

Signatures are compared in constant time; a missing or bad one gets 401 and nothing happens. Bodies over
1 MiB get 413 unread. A push to another ref is acknowledged (200) and ignored. An accepted hook calls
`on_push`, which coalesces: many hooks while a pass runs make one more pass.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from reconciler.errors import ReconcilerError

log = logging.getLogger("reconciler")
MAX_BODY = 1024 * 1024
PATHS = ("/hook/github", "/hook/gitlab", "/hook/generic")


def signature(secret: bytes, body: bytes) -> str:
    """The `sha256=<hex>` value GitHub (and /hook/generic) expect for this body."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def authentic(path: str, headers: Any, secret: bytes, body: bytes) -> bool:
    if path == "/hook/gitlab":
        token = (headers.get("X-Gitlab-Token") or "").encode()
        return hmac.compare_digest(token, secret)
    header = "X-Hub-Signature-256" if path == "/hook/github" else "X-Signature"
    given = (headers.get(header) or "").strip().encode()
    return hmac.compare_digest(given, signature(secret, body).encode())


def pushed_ref(body: bytes) -> str | None:
    """The `ref` of a push payload (GitHub, GitLab, or a generic JSON body), None when it names none."""
    try:
        doc = json.loads(body) if body.strip() else {}
    except ValueError:
        return None
    ref = doc.get("ref") if isinstance(doc, dict) else None
    return ref if isinstance(ref, str) and ref else None


def concerns(ref: str | None, pushed: str | None, default_branch: str | None) -> bool:
    """Whether a push to `pushed` may move what the reconciler follows (`ref`, None = the remote's HEAD)."""
    if pushed is None:
        return True
    if ref is None:
        return default_branch is None or pushed == f"refs/heads/{default_branch}"
    return pushed in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}") or (len(ref) == 40 and not ref.startswith("refs/"))


def _default_branch(body: bytes) -> str | None:
    """GitHub's repository.default_branch or GitLab's project.default_branch, when the payload has one."""
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    for key in ("repository", "project"):
        holder = doc.get(key) if isinstance(doc, dict) else None
        branch = holder.get("default_branch") if isinstance(holder, dict) else None
        if isinstance(branch, str):
            return branch
    return None


class WebhookServer:
    def __init__(self, secret: bytes, ref: str | None, on_push: Callable[[], None],
                 address: str = "0.0.0.0", port: int = 0) -> None:
        self.secret, self.ref, self.on_push = secret, ref, on_push
        self._server = ThreadingHTTPServer((address, port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> WebhookServer:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.2,), name="webhooks", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, path: str, headers: Any, body: bytes) -> tuple[int, str]:
        """(status, message) for a POST with a complete body."""
        if not authentic(path, headers, self.secret, body):
            log.warning("webhook %s: missing or bad signature; ignored", path)
            return 401, "missing or bad signature"
        if path == "/hook/github" and headers.get("X-GitHub-Event") == "ping":
            return 200, "pong"
        pushed = pushed_ref(body)
        if not concerns(self.ref, pushed, _default_branch(body)):
            log.info("webhook %s: push to %s, not the followed ref; ignored", path, pushed)
            return 200, f"ignored: {pushed} is not the followed ref"
        try:
            self.on_push()
        except ReconcilerError as exc:
            log.error("webhook %s: sync not requested: %s", path, exc)
            return 503, f"sync not requested: {exc}"
        log.info("webhook %s: sync requested", path)
        return 202, "sync requested"


def _handler(server: WebhookServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "layering-reconciler"

        def do_POST(self) -> None:
            path = self.path.split("?", 1)[0]
            if path not in PATHS:
                self._reply(404, "not found")
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                self._reply(400, "bad Content-Length")
                return
            if length > MAX_BODY or length < 0:
                self.close_connection = True
                self._reply(413, f"body over {MAX_BODY} bytes")
                return
            body = self.rfile.read(length)
            self._reply(*server.answer(path, self.headers, body))

        def do_GET(self) -> None:
            self._reply(405, "POST a webhook to /hook/github, /hook/gitlab or /hook/generic")

        def _reply(self, code: int, message: str) -> None:
            data = (json.dumps({"message": message}) + "\n").encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("webhook: " + format, *args)

    return Handler
