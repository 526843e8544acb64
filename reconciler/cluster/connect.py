"""Find the cluster: an explicit kubeconfig, $KUBECONFIG, ~/.kube/config, else the in-cluster account.

Each call builds its own `Configuration` (never the client's global default), so several clusters
can live in one process.
"""

from __future__ import annotations

import os
from pathlib import Path

from kubernetes import config as kube_config
from kubernetes.client import ApiClient, Configuration
from kubernetes.config.config_exception import ConfigException

from reconciler.errors import InvalidInput

from .errors import scrub

DEFAULT_KUBECONFIG = "~/.kube/config"


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
        kube_config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=path, context=context, client_configuration=cfg, persist_config=False
        )
    except ConfigException as exc:
        raise InvalidInput(f"{shown}: cannot use this kubeconfig: {_first_line(exc)}") from None
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{shown}: cannot read this kubeconfig: {_first_line(exc)}") from None


def _load_in_cluster(cfg: Configuration, context: str | None) -> None:
    if context:
        raise InvalidInput(f"--context {context}: no kubeconfig found to take the context from")
    try:
        kube_config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
    except ConfigException:
        raise InvalidInput(
            "no cluster configured: pass --kubeconfig PATH, set $KUBECONFIG, create ~/.kube/config, "
            "run inside a pod with a service account, or use --sim"
        ) from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return scrub(text[0]) if text else type(exc).__name__


def new_api_client(cfg: Configuration) -> ApiClient:
    return ApiClient(configuration=cfg)
