"""Turn what a transport raises into the project's error tree.

Both transports (transport.py over the standard library, kubeclient.py over the kubernetes client)
raise the two neutral failures below; `translate` names the subject (`MachineConfig/99-layering-worker: …`).
Only the Status message of a reply is quoted, never headers or request details, so no credential can leak.
"""

from __future__ import annotations

import json
import re

from reconciler.errors import ClusterError, Conflict, Forbidden, NotFound, Refused, Transient

_SECRET = re.compile(r"(?i)(bearer\s+|token[=:]\s*|password[=:]\s*)\S+")
_MAX_MESSAGE = 400


class HttpFailure(Exception):
    """The API server answered with an error status (0: the TLS session failed before any answer)."""

    def __init__(self, status: int, reason: str = "", body: str = "") -> None:
        super().__init__(f"HTTP {status} {reason}")
        self.status, self.reason, self.body = status, reason, body


class Unreachable(Exception):
    """No answer: `what` is "connection failed", "timed out" or "connection error"."""

    def __init__(self, what: str, server: str, cause: str) -> None:
        super().__init__(f"{what} ({cause})")
        self.what, self.server, self.cause = what, server, cause


def scrub(text: str) -> str:
    """Drop anything that looks like a credential and keep the text short."""
    cleaned = _SECRET.sub(r"\1<redacted>", text.strip())
    return cleaned if len(cleaned) <= _MAX_MESSAGE else cleaned[:_MAX_MESSAGE] + "…"


def status_message(exc: HttpFailure) -> tuple[str, str]:
    """(reason, message) from a Kubernetes Status body; falls back to the HTTP phrase."""
    reason, message = exc.reason, ""
    try:
        status = json.loads(exc.body or "")
    except ValueError:
        status = None
    if isinstance(status, dict):
        reason = str(status.get("reason") or reason)
        message = str(status.get("message") or "")
    return reason, scrub(message or reason or f"HTTP {exc.status}")


def from_status(exc: HttpFailure, subject: str) -> ClusterError:
    code = exc.status
    reason, message = status_message(exc)
    if code == 404:
        return NotFound(f"{subject}: not found ({message})", code, reason or "NotFound")
    if code == 409:
        return Conflict(f"{subject}: conflict: {message}", code, reason or "Conflict")
    if code == 403:
        return Forbidden(f"{subject}: forbidden: {message}", code, reason or "Forbidden")
    if code == 401:
        return Refused(f"{subject}: unauthorized: the credentials were rejected ({message})", code, reason)
    if code == 429 or code >= 500:
        return Transient(f"{subject}: the API server is busy or failing (HTTP {code}): {message}")
    if code == 0:
        return ClusterError(f"{subject}: cannot talk to the API server: {message}")
    return Refused(f"{subject}: refused (HTTP {code} {reason}): {message}", code, reason)


def translate(exc: Exception, subject: str) -> ClusterError:
    if isinstance(exc, HttpFailure):
        return from_status(exc, subject)
    if isinstance(exc, Unreachable):
        at = f" at {exc.server}" if exc.server else ""
        return Transient(f"{subject}: cannot reach the API server{at}: {exc.what} ({exc.cause})")
    raise TypeError(f"not a transport error: {type(exc).__name__}")
