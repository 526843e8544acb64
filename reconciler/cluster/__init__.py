"""The only code that talks to Kubernetes: read LiveState, write our MachineConfigs, pause pools,
keep the reconciler's memory. Errors come out as the project's tree (reconciler.errors)."""

from .adapter import Cluster
from .api import RequestPolicy
from .port import ClusterPort

__all__ = ["Cluster", "ClusterPort", "RequestPolicy"]
