"""mcosim: a simulated OpenShift cluster with a faithful Machine Config Operator."""

from .sim import SimConfig, Simulator

__all__ = ["SimConfig", "Simulator"]
