"""Find the cluster: an explicit kubeconfig, $KUBECONFIG, the in-cluster account, else ~/.kube/config.

In a pod (KUBERNETES_SERVICE_HOST and the service account's token) the client's own in-cluster
loader is used unchanged: the API server's address, its CA, and the token file, re-read as the
kubelet rotates it. Each call builds its own `Configuration` (never the client's global default),
so several clusters can live in one process.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from kubernetes import config as kube_config
from kubernetes.client import ApiClient, Configuration
from kubernetes.config.config_exception import ConfigException
from kubernetes.config.incluster_config import SERVICE_HOST_ENV_NAME, InClusterConfigLoader

from reconciler.errors import InvalidInput

from .api import DEFAULT_NAMESPACE
from .errors import scrub

DEFAULT_KUBECONFIG = "~/.kube/config"
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")  # token, ca.crt, namespace
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


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


def load_configuration(kubeconfig: str | None = None, context: str | None = None) -> Configuration:
    """A client Configuration for the chosen cluster; InvalidInput with a clear message otherwise."""
    cfg = Configuration()
    path = kubeconfig_candidates(kubeconfig)
    if path is None:
        _load_in_cluster(cfg, context)
    else:
        _load_file(cfg, path, context)
    cfg.retries = False  # no hidden retries: reads retry in our code, writes never blindly
    return cfg


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


def _load_in_cluster(cfg: Configuration, context: str | None) -> None:
    if context:
        raise InvalidInput(f"--context {context}: no kubeconfig found to take the context from")
    loader = InClusterConfigLoader(
        token_filename=str(SERVICE_ACCOUNT_DIR / "token"), cert_filename=str(SERVICE_ACCOUNT_DIR / "ca.crt"),
        try_refresh_token=True)
    try:
        loader.load_and_set(cfg)
    except ConfigException as exc:
        if in_cluster():
            raise InvalidInput(f"{SERVICE_ACCOUNT_DIR}: cannot use the in-cluster service account: "
                               f"{_first_line(exc)}") from None
        raise InvalidInput(
            "no cluster configured: pass --kubeconfig PATH, set $KUBECONFIG, create ~/.kube/config, "
            "run inside a pod with a service account, or use --sim"
        ) from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return scrub(text[0]) if text else type(exc).__name__


def new_api_client(cfg: Configuration) -> ApiClient:
    return ApiClient(configuration=cfg)
