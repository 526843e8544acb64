"""The fallback transport: the kubernetes client's own kubeconfig and in-cluster loaders and its HTTP
layer, for what transport.py does not do itself (exec plugins, auth providers, username/password,
proxies, unknown kubeconfig fields). Importing this module costs most of a second: only connect.py
does, and only then.

Requests are sent raw (`param_serialize` + `call_api`), so the client's typed API classes and models
are never loaded; the loaders' token refresh (exec plugins, rotated service account tokens) runs
through the client's `refresh_api_key_hook` on every request as before.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import urllib3
from kubernetes import config as kube_config
from kubernetes.client import ApiClient, Configuration
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from kubernetes.config.incluster_config import InClusterConfigLoader

from reconciler.errors import InvalidInput

from .errors import HttpFailure, Unreachable, scrub
from .transport import JSON, Query


class ClientTransport:
    """The Transport seam over a kubernetes `ApiClient`."""

    def __init__(self, api_client: ApiClient) -> None:
        self.client = api_client

    @property
    def host(self) -> str:
        return str(self.client.configuration.host)

    @property
    def user_agent(self) -> str:
        return str(self.client.user_agent)

    @user_agent.setter
    def user_agent(self, value: str) -> None:
        self.client.user_agent = value

    def _send(self, method: str, path: str, query: Query, body: Any, content_type: str,
              timeout: tuple[float, float]) -> Any:
        headers = {"Accept": JSON, **({"Content-Type": content_type} if body is not None else {})}
        serialized = self.client.param_serialize(method, path, query_params=list(query), header_params=headers,
                                                 body=body, auth_settings=["BearerToken"])
        method_, url, headers_, body_, _ = serialized
        return self.client.call_api(method_, url, headers_, body_, _request_timeout=timeout)

    def request(self, method: str, path: str, query: Query, body: Any, content_type: str,
                timeout: tuple[float, float]) -> bytes:
        try:
            response = self._send(method, path, query, body, content_type, timeout)
            data = bytes(response.read() or b"")
        except (ApiException, urllib3.exceptions.HTTPError) as exc:
            raise neutral(exc) from None
        if not 200 <= int(response.status) <= 299:
            raise HttpFailure(int(response.status), str(response.reason or ""), data.decode("utf-8", "replace"))
        return data

    def stream(self, path: str, query: Query, timeout: tuple[float, float]) -> Generator[bytes, None, None]:
        raw = None
        try:
            response = self._send("GET", path, query, None, JSON, timeout)
            raw = response.response
            if not 200 <= int(response.status) <= 299:
                body = bytes(response.read() or b"").decode("utf-8", "replace")
                raise HttpFailure(int(response.status), str(response.reason or ""), body)
            pending = b""
            for chunk in raw.stream(64 * 1024, decode_content=True):
                pending += chunk
                *complete, pending = pending.split(b"\n")
                yield from (line for line in complete if line.strip())
            if pending.strip():
                yield pending
        except (ApiException, urllib3.exceptions.HTTPError) as exc:
            raise neutral(exc) from None
        finally:
            if raw is not None:
                raw.release_conn()

    def close(self) -> None:
        self.client.close()


def neutral(exc: ApiException | urllib3.exceptions.HTTPError) -> HttpFailure | Unreachable:
    """The client's exception as one of errors.py's failures."""
    if isinstance(exc, ApiException):
        return HttpFailure(int(exc.status or 0), str(exc.reason or ""), str(exc.body or ""))
    cause = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason else exc
    if isinstance(cause, urllib3.exceptions.NewConnectionError):
        what = "connection failed"
    elif isinstance(cause, urllib3.exceptions.TimeoutError):
        what = "timed out"
    else:
        what = "connection error"
    return Unreachable(what, _server_of(exc) or _server_of(cause), type(cause).__name__)


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


# ---- loading: the client's loaders, each into its own Configuration ------------------------------
def client_transport(path: str | None, context: str | None, account_dir: str) -> ClientTransport:
    """path None: the in-cluster service account (account_dir holds token and ca.crt)."""
    cfg = Configuration()
    if path is None:
        _load_in_cluster(cfg, context, account_dir)
    else:
        _load_file(cfg, path, context)
    cfg.retries = False  # no hidden retries: reads retry in our code, writes never blindly
    return ClientTransport(ApiClient(configuration=cfg))


def _load_file(cfg: Configuration, path: str, context: str | None) -> None:
    shown = path if os.pathsep not in path else "$KUBECONFIG"
    try:
        kube_config.load_kube_config(
            config_file=path, context=context, client_configuration=cfg, persist_config=False
        )
    except ConfigException as exc:
        raise InvalidInput(f"{shown}: cannot use this kubeconfig: {_first_line(exc)}") from None
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{shown}: cannot read this kubeconfig: {_first_line(exc)}") from None


def _load_in_cluster(cfg: Configuration, context: str | None, account_dir: str) -> None:
    if context:
        raise InvalidInput(f"--context {context}: no kubeconfig found to take the context from")
    loader = InClusterConfigLoader(token_filename=os.path.join(account_dir, "token"),
                                   cert_filename=os.path.join(account_dir, "ca.crt"), try_refresh_token=True)
    try:
        loader.load_and_set(cfg)
    except ConfigException as exc:
        if os.environ.get("KUBERNETES_SERVICE_HOST") and os.path.isfile(os.path.join(account_dir, "token")):
            raise InvalidInput(f"{account_dir}: cannot use the in-cluster service account: "
                               f"{_first_line(exc)}") from None
        raise InvalidInput(
            "no cluster configured: pass --kubeconfig PATH, set $KUBECONFIG, create ~/.kube/config, "
            "run inside a pod with a service account, or use --sim"
        ) from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return scrub(text[0]) if text else type(exc).__name__
