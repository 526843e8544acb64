"""The simulator's Kubernetes-compatible HTTP API."""

from .faults import ApiFaults, FaultRule
from .server import AdminHandler, ApiServer

__all__ = ["AdminHandler", "ApiFaults", "ApiServer", "FaultRule"]
