"""Write a kubeconfig that points kubectl and the Python client at the simulator."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path


def kubeconfig_dict(url: str, *, token: str = "sim-token", context: str = "mcosim",
                    tls_url: str | None = None, ca_pem: bytes | None = None) -> dict[str, object]:
    """The admin context over http; with tls_url also `<context>-tls`, the same API over HTTPS
    (the cluster to pair with a service-account token: kubectl sends tokens only over TLS)."""
    clusters: list[dict[str, object]] = [{"name": context, "cluster": {"server": url}}]
    contexts: list[dict[str, object]] = [{"name": context, "context": {"cluster": context, "user": context}}]
    if tls_url and ca_pem:
        secure = f"{context}-tls"
        clusters.append({"name": secure, "cluster": {
            "server": tls_url, "certificate-authority-data": base64.b64encode(ca_pem).decode()}})
        contexts.append({"name": secure, "context": {"cluster": secure, "user": context}})
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": clusters,
        "users": [{"name": context, "user": {"token": token}}],
        "contexts": contexts,
        "current-context": context,
        "preferences": {},
    }


def write_kubeconfig(path: str | os.PathLike[str], url: str, *, token: str = "sim-token",
                     context: str = "mcosim", tls_url: str | None = None, ca_pem: bytes | None = None) -> None:
    """Write the kubeconfig as JSON (valid YAML), readable only by the owner like kubectl's own."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    config = kubeconfig_dict(url, token=token, context=context, tls_url=tls_url, ca_pem=ca_pem)
    target.write_text(json.dumps(config, indent=2) + "\n")
    target.chmod(0o600)
