"""Turn what the Kubernetes client raises into the project's error tree.

Every message starts with the subject (`MachineConfig/99-layering-worker: …`). Only the Status
message of a reply is quoted, never headers or request details, so no credential can leak.
"""

from __future__ import annotations

import json
import re

import urllib3
from kubernetes.client.exceptions import ApiException

from reconciler.errors import ClusterError, Conflict, Forbidden, NotFound, Refused, Transient

_SECRET = re.compile(r"(?i)(bearer\s+|token[=:]\s*|password[=:]\s*)\S+")
_MAX_MESSAGE = 400


def scrub(text: str) -> str:
    """Drop anything that looks like a credential and keep the text short."""
    cleaned = _SECRET.sub(r"\1<redacted>", text.strip())
    return cleaned if len(cleaned) <= _MAX_MESSAGE else cleaned[:_MAX_MESSAGE] + "…"


def status_message(exc: ApiException) -> tuple[str, str]:
    """(reason, message) from a Kubernetes Status body; falls back to the HTTP phrase."""
    reason, message = str(exc.reason or ""), ""
    try:
        status = json.loads(exc.body or "")
    except (TypeError, ValueError):
        status = None
    if isinstance(status, dict):
        reason = str(status.get("reason") or reason)
        message = str(status.get("message") or "")
    return reason, scrub(message or reason or f"HTTP {exc.status}")


def from_api_exception(exc: ApiException, subject: str) -> ClusterError:
    code = int(exc.status or 0)
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


def from_transport_error(exc: urllib3.exceptions.HTTPError, subject: str) -> Transient:
    """Connection refused, DNS failure, timeouts, dropped connections."""
    cause = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason else exc
    if isinstance(cause, urllib3.exceptions.NewConnectionError):
        what = "connection failed"
    elif isinstance(cause, urllib3.exceptions.TimeoutError):
        what = "timed out"
    else:
        what = "connection error"
    server = _server_of(exc) or _server_of(cause)
    at = f" at {server}" if server else ""
    return Transient(f"{subject}: cannot reach the API server{at}: {what} ({type(cause).__name__})")


def _server_of(exc: object) -> str:
    """`https://host:port` of the connection or pool a urllib3 error carries, else ""."""
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        holder: object = exc.conn
    else:
        holder = getattr(exc, "pool", None) if isinstance(exc, urllib3.exceptions.RequestError) else None
    host, port = getattr(holder, "host", None), getattr(holder, "port", None)
    if not host:
        return ""
    scheme = getattr(holder, "scheme", None) or ("https" if "HTTPS" in type(holder).__name__ else "http")
    return f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"


def translate(exc: Exception, subject: str) -> ClusterError:
    if isinstance(exc, ApiException):
        return from_api_exception(exc, subject)
    if isinstance(exc, urllib3.exceptions.HTTPError):
        return from_transport_error(exc, subject)
    raise TypeError(f"not a client error: {type(exc).__name__}")
