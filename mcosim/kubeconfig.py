"""Write a kubeconfig that points kubectl and the Python client at the simulator."""

from __future__ import annotations

import json
import os
from pathlib import Path


def kubeconfig_dict(url: str, *, token: str = "sim-token", context: str = "mcosim") -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": url}}],
        "users": [{"name": context, "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": context}}],
        "current-context": context,
        "preferences": {},
    }


def write_kubeconfig(path: str | os.PathLike[str], url: str, *, token: str = "sim-token",
                     context: str = "mcosim") -> None:
    """Write the kubeconfig as JSON (valid YAML), readable only by the owner like kubectl's own."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(kubeconfig_dict(url, token=token, context=context), indent=2) + "\n")
    target.chmod(0o600)
