"""From documents to Binding and Policy values, with the value checks and those that span documents.

`check_values` runs on every document, schema-valid or not, so that one run reports every problem
(a bad cron schedule is reported together with a bad bakeTime); `build` reads only valid documents.
"""

from __future__ import annotations

from typing import Any

from reconciler.intent.cron import MAX_SCHEDULE_CHARS, normalize_crontab, schedule_problem, time_zone_problem
from reconciler.intent.document import BINDING, POLICY, Document
from reconciler.intent.fields import duration_problem, image_problem, parse_duration, registry_allowed
from reconciler.intent.problems import NodePath, Problems, excerpt
from reconciler.model import Binding, Location, OnDegraded, Overrun, Policy, Window

# policy duration fields: (default, must be > 0)
_POLICY_DURATIONS = {"bakeTime": ("10m", False), "stallTimeout": ("1h", True)}


def build(
    docs: list[Document], policy_broken: bool, problems: Problems
) -> tuple[tuple[Binding, ...], Policy]:
    """Bindings (in file order) and the policy; `policy_broken` skips checks against a bad policy."""
    policies = [d for d in docs if d.kind == POLICY]
    for extra in policies[1:]:
        first = policies[0]
        where = Location(first.path, first.line, first.column)
        problems.add(
            extra.path, extra.line, extra.column, f"only one LayeringPolicy is allowed (first at {where})"
        )
    policy = _policy(policies[0]) if policies else Policy()
    pairs = [(doc, _binding(doc)) for doc in docs if doc.kind == BINDING]
    _check_unique(pairs, problems)
    if not policy_broken:
        _check_against_policy(pairs, policy, problems)
    return tuple(binding for _, binding in pairs), policy


# ---- value checks on any document ---------------------------------------------------------------
def check_values(doc: Document, problems: Problems) -> None:
    """Checks beyond the schema of each value that has the right type, whatever else is wrong."""
    _check_one_line(doc, doc.data, [], problems)
    spec = doc.data.get("spec") if isinstance(doc.data, dict) else None
    if not isinstance(spec, dict):
        return
    if doc.kind == POLICY:
        _check_policy_values(doc, spec, problems)
    elif doc.kind == BINDING:
        image = spec.get("osImageURL")
        problem = image_problem(image) if isinstance(image, str) else None
        if problem:  # stricter than the schema's pattern (registry host, for one)
            problems.at(doc.path, doc.data, ["spec", "osImageURL"], f"spec.osImageURL: {problem}")


def _check_one_line(doc: Document, node: Any, path: list[str | int], problems: Problems) -> None:
    """Keys and values are single-line text (only annotation values may hold line breaks)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and not key.isprintable():
                problems.at(doc.path, doc.data, [*path, key], f"key {excerpt(key)}: {_ONE_LINE}", key=True)
            if path != ["metadata", "annotations"]:
                _check_one_line(doc, value, [*path, key], problems)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _check_one_line(doc, item, [*path, index], problems)
    elif isinstance(node, str) and not node.isprintable():
        label = _dotted(path)
        problems.at(doc.path, doc.data, path, f"{label}: {excerpt(node)} {_ONE_LINE}")


_ONE_LINE = "holds a line break or another control character; write it on one line"


def _dotted(path: list[str | int]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "document"


def _check_policy_values(doc: Document, spec: dict[str, Any], problems: Problems) -> None:
    for name, (_, positive) in _POLICY_DURATIONS.items():
        _check_duration(doc, ["spec", name], f"spec.{name}", spec.get(name), positive, problems)
    windows = spec.get("windows")
    names: set[str] = set()
    for index, item in enumerate(windows if isinstance(windows, list) else []):
        if isinstance(item, dict):
            _check_window(doc, index, item, names, problems)


def _check_window(doc: Document, index: int, item: dict[str, Any], names: set[str], problems: Problems) -> None:
    node: list[str | int] = ["spec", "windows", index]
    where = f"spec.windows[{index}]"
    name, zone, schedule = item.get("name"), item.get("timeZone", "UTC"), item.get("schedule")
    if isinstance(name, str):
        if name in names:
            problems.at(doc.path, doc.data, [*node, "name"], f"window {excerpt(name)} is defined twice")
        names.add(name)
    zone_problem = time_zone_problem(zone) if isinstance(zone, str) else None
    if zone_problem:
        problems.at(doc.path, doc.data, [*node, "timeZone"], f"{where}.timeZone: {zone_problem}")
    if isinstance(schedule, str) and schedule:
        _, cron_problem = schedule_problem(schedule, zone if isinstance(zone, str) else "UTC")
        if cron_problem:
            problems.at(doc.path, doc.data, [*node, "schedule"], f"{where}.schedule: {cron_problem}")
    _check_duration(doc, [*node, "duration"], f"{where}.duration", item.get("duration"), True, problems)


def _check_duration(
    doc: Document, node: NodePath, label: str, value: object, positive: bool, problems: Problems
) -> None:
    """Syntax and range (a syntax problem is also the schema's, in the same words: reported once)."""
    problem = duration_problem(value, positive=positive) if isinstance(value, str) else None
    if problem:
        problems.at(doc.path, doc.data, node, f"{label}: {problem}")


# ---- values from valid documents ----------------------------------------------------------------
def _seconds(value: object, default: str) -> int:
    """Seconds of a checked duration; a value check already reported any problem (then the default)."""
    try:
        return parse_duration(str(value if value is not None else default))
    except ValueError:
        return parse_duration(default)


def _policy(doc: Document) -> Policy:
    spec: dict[str, Any] = doc.data.get("spec") or {}
    return Policy(
        bake_seconds=_seconds(spec.get("bakeTime"), "10m"),
        on_degraded=OnDegraded(str(spec.get("onDegraded", OnDegraded.HALT))),  # the schema admits no other value
        allow_empty=bool(spec.get("allowEmpty", False)),
        registries=tuple(str(r) for r in spec.get("registries") or ()),
        windows=tuple(_window(item) for item in spec.get("windows") or []),
        overrun=Overrun(str(spec.get("overrun", Overrun.FINISH))),
        stall_seconds=_seconds(spec.get("stallTimeout"), "1h"),
        location=Location(doc.path, doc.line, doc.column),
    )


def _window(item: dict[str, Any]) -> Window:
    zone = str(item.get("timeZone", "UTC"))
    schedule = _normalized(str(item["schedule"]))
    return Window(
        name=str(item["name"]),
        schedule=schedule,
        duration_seconds=_seconds(item["duration"], "1s"),
        time_zone=zone,
    )


def _normalized(schedule: str) -> str:
    """The schedule with named days (check_values reported any problem with it: then as written)."""
    try:
        return normalize_crontab(schedule) if len(schedule) <= MAX_SCHEDULE_CHARS else schedule
    except ValueError:
        return schedule


def _binding(doc: Document) -> Binding:
    spec = doc.data["spec"]
    window = spec.get("window")
    return Binding(
        name=str(doc.data["metadata"]["name"]),
        pool=str(spec["pool"]),
        os_image_url=str(spec["osImageURL"]),
        stage=int(spec.get("stage", 0)),
        window=str(window) if window is not None else None,
        accept_conflicts=bool(spec.get("acceptConflicts", False)),
        location=Location(doc.path, doc.line, doc.column),
    )


# ---- checks across documents --------------------------------------------------------------------
def _check_unique(pairs: list[tuple[Document, Binding]], problems: Problems) -> None:
    names: dict[str, Binding] = {}
    pools: dict[str, Binding] = {}
    for doc, binding in pairs:
        first = names.setdefault(binding.name, binding)
        if first is not binding:
            message = f"duplicate binding name '{binding.name}' (also at {first.location})"
            problems.at(doc.path, doc.data, ["metadata", "name"], message)
        first = pools.setdefault(binding.pool, binding)
        if first is not binding:
            message = (
                f"pool '{binding.pool}' already has binding '{first.name}' at {first.location}; "
                "bind each pool at most once"
            )
            problems.at(doc.path, doc.data, ["spec", "pool"], message)


def _check_against_policy(pairs: list[tuple[Document, Binding]], policy: Policy, problems: Problems) -> None:
    for doc, binding in pairs:
        if not registry_allowed(binding.os_image_url, policy.registries):
            allowed = ", ".join(policy.registries)
            message = f"spec.osImageURL: registry not allowed by layering.yaml (allowed: {allowed})"
            problems.at(doc.path, doc.data, ["spec", "osImageURL"], message)
        if binding.window is not None and policy.window(binding.window) is None:
            defined = ", ".join(w.name for w in policy.windows) or "none"
            message = (
                f"spec.window: window '{binding.window}' is not defined in layering.yaml (defined: {defined})"
            )
            problems.at(doc.path, doc.data, ["spec", "window"], message)
