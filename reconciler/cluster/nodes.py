"""Pure derivation of NodeState: which pool a node belongs to and what phase of an update it is in.

Phase words: waiting (not yet targeted at its pool's config), pending (targeted, daemon not started),
preparing, cordoning/cordoned, draining/drained, applying/applied, rebooting/rebooted,
uncordoning/uncordoned, updated, degraded, working (busy, step unknown).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from reconciler.model import FAILED_NODE_STATES, NodeState

from .parse import annotations_of, labels_of, meta

Obj = dict[str, Any]
MCO = "machineconfiguration.openshift.io"
CURRENT_CONFIG = f"{MCO}/currentConfig"
DESIRED_CONFIG = f"{MCO}/desiredConfig"
STATE = f"{MCO}/state"
REASON = f"{MCO}/reason"
DESIRED_DRAIN = f"{MCO}/desiredDrain"
LAST_APPLIED_DRAIN = f"{MCO}/lastAppliedDrain"
ARCH_LABEL = "kubernetes.io/arch"
ZONE_LABEL = "topology.kubernetes.io/zone"

# MachineConfigNode steps, latest first: (condition type, in progress, done)
_MCN_STEPS = (
    ("Uncordoned", "uncordoning", "uncordoned"),
    ("RebootedNode", "rebooting", "rebooted"),
    ("AppliedFilesAndOS", "applying", "applied"),
    ("Drained", "draining", "drained"),
    ("Cordoned", "cordoning", "cordoned"),
    ("UpdatePrepared", "preparing", "preparing"),
)


# ---- pool membership -------------------------------------------------------------------------
def selector_matches(selector: Obj | None, labels: dict[str, str]) -> bool:
    """Kubernetes LabelSelector semantics; a missing selector matches nothing, `{}` everything."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != str(value):
            return False
    return all(_expression_matches(expr, labels) for expr in selector.get("matchExpressions") or ())


def _expression_matches(expr: Obj, labels: dict[str, str]) -> bool:
    key, operator = expr.get("key", ""), expr.get("operator", "")
    values = [str(v) for v in expr.get("values") or ()]
    if operator == "In":
        return key in labels and labels[key] in values
    if operator == "NotIn":
        return key not in labels or labels[key] not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    return False


# a label key (an optional DNS-subdomain prefix, a name of at most 63 characters) and a label value
_LABEL_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_LABEL_KEY = re.compile(rf"([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_LABEL_NAME}")
_LABEL_VALUE = re.compile(rf"({_LABEL_NAME})?")
_SET_OPERATORS = {"In": "in", "NotIn": "notin"}


def selector_query(selector: Obj) -> str | None:
    """The `labelSelector` query that asks the API server for exactly the nodes `selector` matches
    (selector_matches), or None when it selects every node or is not expressible safely (a key or
    value outside the label syntax, an empty value in a set, an unknown operator): list every node."""
    terms = []
    for key, value in (selector.get("matchLabels") or {}).items():
        if not _is_key(key) or not _LABEL_VALUE.fullmatch(str(value)):
            return None
        terms.append(f"{key}={value}")
    for expr in selector.get("matchExpressions") or ():
        term = _expression_query(expr)
        if term is None:
            return None
        terms.append(term)
    return ",".join(terms) or None


def _expression_query(expr: Obj) -> str | None:
    key, operator = expr.get("key", ""), expr.get("operator", "")
    values = [str(v) for v in expr.get("values") or ()]
    if not _is_key(key):
        return None
    if operator in _SET_OPERATORS and values and all(v and _LABEL_VALUE.fullmatch(v) for v in values):
        return f"{key} {_SET_OPERATORS[operator]} ({','.join(values)})"
    if operator == "Exists" and not values:
        return str(key)
    if operator == "DoesNotExist" and not values:
        return f"!{key}"
    return None


def _is_key(key: object) -> bool:
    return isinstance(key, str) and _LABEL_KEY.fullmatch(key) is not None


def pool_for_node(node: Obj, pools: Iterable[Obj]) -> str:
    """The MCO's precedence: master wins; a custom pool beats worker; otherwise worker (or none)."""
    labels = labels_of(node)
    matching = sorted(
        str(meta(p).get("name", ""))
        for p in pools
        if selector_matches((p.get("spec") or {}).get("nodeSelector"), labels)
    )
    if "master" in matching:
        return "master"
    custom = [name for name in matching if name != "worker"]
    if custom:
        return custom[0]
    return matching[0] if matching else ""


# ---- phase -------------------------------------------------------------------------------------
def _conditions(mcn: Obj | None) -> dict[str, str]:
    if not mcn:
        return {}
    return {
        str(c.get("type", "")): str(c.get("status", ""))
        for c in (mcn.get("status") or {}).get("conditions") or ()
    }


def step_error(mcn: Obj | None) -> str:
    """The error an in-progress MCN step reports (e.g. a drain blocked by a PodDisruptionBudget), else ""."""
    for cond in ((mcn or {}).get("status") or {}).get("conditions") or ():
        message = str(cond.get("message") or "")
        if cond.get("status") == "Unknown" and message.startswith(_STEP_ERROR):
            return message.removeprefix(_STEP_ERROR).split(" The drain will not be complete")[0].strip()
    return ""


_STEP_ERROR = "Error: Node Drain has not succeeded. Error is:"


def _is_ready(node: Obj) -> bool:
    for cond in (node.get("status") or {}).get("conditions") or ():
        if cond.get("type") == "Ready":
            return str(cond.get("status")) == "True"
    return False


def phase_from_conditions(conditions: dict[str, str]) -> str:
    for kind, in_progress, done in _MCN_STEPS:
        status = conditions.get(kind)
        if status == "Unknown":
            return in_progress
        if status == "True":
            return done
    return ""


def phase_from_annotations(annotations: dict[str, str], unschedulable: bool) -> str:
    """Without a MachineConfigNode: the drain annotations (a requested drain cordons, then evicts)."""
    desired_drain = annotations.get(DESIRED_DRAIN, "")
    applied_drain = annotations.get(LAST_APPLIED_DRAIN, "")
    if desired_drain.startswith("uncordon-"):
        return "uncordoned" if desired_drain == applied_drain else "uncordoning"
    if desired_drain.startswith("drain-") and desired_drain != applied_drain:
        return "draining" if unschedulable else "cordoning"
    if desired_drain.startswith("drain-"):
        return "drained"
    return ""


def drain_pending(node: Obj) -> bool:
    """The daemon asked for a drain that the drain controller has not finished."""
    annotations = annotations_of(node)
    desired = annotations.get(DESIRED_DRAIN, "")
    return desired.startswith("drain-") and desired != annotations.get(LAST_APPLIED_DRAIN, "")


def pdb_blocks(pods: list[Obj], budgets: list[Obj]) -> str:
    """The eviction error a drain of these pods hits: the first pod a budget allowing no disruption selects."""
    for pod in sorted(pods, key=lambda p: (meta(p).get("namespace", ""), meta(p).get("name", ""))):
        namespace = str(meta(pod).get("namespace", ""))
        for pdb in budgets:
            if meta(pdb).get("namespace") != namespace:
                continue
            allowed = int(((pdb.get("status") or {}).get("disruptionsAllowed")) or 0)
            if allowed == 0 and selector_matches((pdb.get("spec") or {}).get("selector"), labels_of(pod)):
                return (
                    f"error when evicting pods/\"{meta(pod).get('name', '')}\" -n \"{namespace}\": Cannot evict "
                    f"pod as it would violate the pod's disruption budget (PodDisruptionBudget "
                    f"{namespace}/{meta(pdb).get('name', '')} allows no disruption)"
                )
    return ""


def node_phase(node: Obj, mcn: Obj | None, target: str) -> str:
    annotations = annotations_of(node)
    current, desired = annotations.get(CURRENT_CONFIG, ""), annotations.get(DESIRED_CONFIG, "")
    state = annotations.get(STATE, "Done")
    conditions = _conditions(mcn)
    if state in FAILED_NODE_STATES or conditions.get("NodeDegraded") == "True":
        return "degraded"
    if current == desired and state == "Done":
        return "updated" if not target or current == target else "waiting"
    if state != "Working":
        return "pending"
    if not _is_ready(node):
        return "rebooting"
    unschedulable = bool((node.get("spec") or {}).get("unschedulable"))
    if conditions:
        return phase_from_conditions(conditions) or "working"
    return phase_from_annotations(annotations, unschedulable) or "working"


# ---- assembly ----------------------------------------------------------------------------------
def node_state(node: Obj, pool: str, mcn: Obj | None, target: str, blocker: str = "") -> NodeState:
    annotations = annotations_of(node)
    return NodeState(
        name=str(meta(node).get("name", "")),
        pool=pool,
        current_config=annotations.get(CURRENT_CONFIG, ""),
        desired_config=annotations.get(DESIRED_CONFIG, ""),
        state=annotations.get(STATE, "Done"),
        reason=annotations.get(REASON, "") or step_error(mcn) or blocker,
        ready=_is_ready(node),
        unschedulable=bool((node.get("spec") or {}).get("unschedulable")),
        phase=node_phase(node, mcn, target),
        zone=labels_of(node).get(ZONE_LABEL, ""),
        arch=labels_of(node).get(ARCH_LABEL, ""),
    )
