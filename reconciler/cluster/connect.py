"""Find the cluster: an explicit kubeconfig, $KUBECONFIG, the in-cluster account, else ~/.kube/config,
and open a transport to it.

A static context (kubeconfig.py) and the in-cluster service account (KUBERNETES_SERVICE_HOST/PORT,
the token file, re-read every minute as the kubelet rotates it, and ca.crt) get the light transport
of transport.py, which never imports the kubernetes client. Everything else, an environment proxy
(HTTPS_PROXY …) and every error case go to the client's own loaders (kubeclient.py), unchanged.
Each call builds its own transport, so several clusters can live in one process.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from reconciler.errors import InvalidInput

from . import kubeconfig
from .api import DEFAULT_NAMESPACE
from .transport import Endpoint, HttpTransport, Transport

DEFAULT_KUBECONFIG = "~/.kube/config"
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")  # token, ca.crt, namespace
SERVICE_HOST_ENV_NAME, SERVICE_PORT_ENV_NAME = "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
TransportChoice = Literal["auto", "client"]  # client: the kubernetes client whatever the kubeconfig


def in_cluster() -> bool:
    """Running in a pod with a service account token mounted."""
    return bool(os.environ.get(SERVICE_HOST_ENV_NAME)) and (SERVICE_ACCOUNT_DIR / "token").is_file()


def own_namespace(explicit: str | None = None) -> str:
    """Where our own objects live: --namespace, else the pod's namespace, else layering-reconciler."""
    if explicit is not None:
        if not _DNS_LABEL.fullmatch(explicit):
            raise InvalidInput(f"--namespace {explicit!r}: not a valid namespace name (a DNS label)")
        return explicit
    try:
        pod_namespace = (SERVICE_ACCOUNT_DIR / "namespace").read_text().strip()
    except OSError:
        return DEFAULT_NAMESPACE
    return pod_namespace if _DNS_LABEL.fullmatch(pod_namespace) else DEFAULT_NAMESPACE


def kubeconfig_candidates(kubeconfig: str | None) -> str | None:
    """The kubeconfig path list to load, or None when only in-cluster config is left.

    An explicit path must exist; $KUBECONFIG may list several files (`a:b`), the missing ones skipped.
    """
    if kubeconfig:
        if not Path(kubeconfig).expanduser().is_file():
            raise InvalidInput(f"{kubeconfig}: kubeconfig file not found")
        return str(Path(kubeconfig).expanduser())
    from_env = [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    existing = [str(Path(p).expanduser()) for p in from_env if Path(p).expanduser().is_file()]
    if existing:
        return os.pathsep.join(existing)
    if in_cluster():
        return None
    home = Path(DEFAULT_KUBECONFIG).expanduser()
    return str(home) if home.is_file() else None


def open_transport(kubeconfig_path: str | None = None, context: str | None = None,
                   choice: TransportChoice = "auto") -> Transport:
    """A transport to the chosen cluster; InvalidInput with a clear message otherwise."""
    path = kubeconfig_candidates(kubeconfig_path)
    if path is None:
        endpoint = in_cluster_endpoint() if not context else None
    else:
        endpoint, context = kubeconfig.select(path.split(os.pathsep), context)
    if endpoint is not None and choice == "auto" and not _proxied(endpoint.server):
        try:
            return HttpTransport(endpoint)
        except (OSError, ValueError):  # a CA or client certificate ssl cannot load: the client's loader says why
            pass
    from .kubeclient import client_transport  # the kubernetes client takes most of a second to import

    return client_transport(path, context, str(SERVICE_ACCOUNT_DIR))


def in_cluster_endpoint() -> Endpoint | None:
    """The service account's Endpoint, or None when something is missing (the client's loader says what)."""
    host, port = os.environ.get(SERVICE_HOST_ENV_NAME, ""), os.environ.get(SERVICE_PORT_ENV_NAME, "")
    token, ca = SERVICE_ACCOUNT_DIR / "token", SERVICE_ACCOUNT_DIR / "ca.crt"
    try:
        usable = bool(host and port and token.read_text() and ca.read_text())
    except OSError:
        usable = False
    if not usable:
        return None
    server = f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"
    return Endpoint(server, ca_file=str(ca), token_file=str(token))


def _proxied(server: str) -> bool:
    """An environment proxy applies (the kubernetes client honours HTTPS_PROXY, HTTP_PROXY, ALL_PROXY)."""
    scheme = server.partition(":")[0]
    return any(os.environ.get(name) for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY", "all_proxy",
                                                  "ALL_PROXY"))
