"""Pure planning: DesiredState and LiveState → Plan. No I/O, no clock, no Kubernetes."""

from reconciler.plan.make import make_plan
from reconciler.render import inheriting_pools

__all__ = ["inheriting_pools", "make_plan"]
