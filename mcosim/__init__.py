"""mcosim: a simulated OpenShift cluster with a faithful Machine Config Operator.

`SimConfig` and `Simulator` load on first use, so a CLI that only declares the `sim` subcommands
(`reconciler validate`, `reconciler plan`) does not import the whole simulator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .sim import SimConfig, Simulator

__all__ = ["SimConfig", "Simulator"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import sim

        return getattr(sim, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
