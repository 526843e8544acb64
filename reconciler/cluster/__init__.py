"""The only code that talks to Kubernetes: read LiveState, write our MachineConfigs, pause pools,
keep the reconciler's memory. Errors come out as the project's tree (reconciler.errors).

`Cluster` and `RequestPolicy` are loaded on first use, so importing `reconciler.cluster.port` (the
controller does) stays cheap. The kubernetes client itself is imported only for kubeconfigs the
standard-library transport does not serve (connect.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .port import ClusterPort

if TYPE_CHECKING:
    from .adapter import Cluster
    from .api import RequestPolicy

__all__ = ["Cluster", "ClusterPort", "RequestPolicy"]


def __getattr__(name: str) -> Any:
    if name == "Cluster":
        from .adapter import Cluster

        return Cluster
    if name == "RequestPolicy":
        from .api import RequestPolicy

        return RequestPolicy
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
