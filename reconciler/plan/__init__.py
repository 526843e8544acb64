"""Pure planning: DesiredState and LiveState → Plan. No I/O, no clock, no Kubernetes."""

from reconciler.plan.desired import desired_machine_config
from reconciler.plan.make import make_plan
from reconciler.plan.render import inheriting_pools

__all__ = ["desired_machine_config", "inheriting_pools", "make_plan"]
