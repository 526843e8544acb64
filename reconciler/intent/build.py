"""From valid documents to Binding and Policy values, with the checks that span documents."""

from __future__ import annotations

from typing import Any

from reconciler.intent.cron import schedule_problem, time_zone_problem
from reconciler.intent.fields import image_problem, parse_duration, registry_allowed
from reconciler.intent.problems import Problems
from reconciler.intent.validate import BINDING, POLICY
from reconciler.intent.yamlread import Document
from reconciler.model import Binding, Location, OnDegraded, Overrun, Policy, Window


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
    policy = _policy(policies[0], problems) if policies else Policy()
    pairs = [(doc, _binding(doc, problems)) for doc in docs if doc.kind == BINDING]
    _check_unique(pairs, problems)
    if not policy_broken:
        _check_against_policy(pairs, policy, problems)
    return tuple(binding for _, binding in pairs), policy


# ---- policy -------------------------------------------------------------------------------------
def _policy(doc: Document, problems: Problems) -> Policy:
    spec: dict[str, Any] = doc.data.get("spec") or {}
    return Policy(
        bake_seconds=parse_duration(str(spec.get("bakeTime", "10m"))),
        on_degraded=OnDegraded(str(spec.get("onDegraded", OnDegraded.HALT))),  # the schema admits no other value
        allow_empty=bool(spec.get("allowEmpty", False)),
        registries=tuple(str(r) for r in spec.get("registries") or ()),
        windows=_windows(doc, spec.get("windows") or [], problems),
        overrun=Overrun(str(spec.get("overrun", Overrun.FINISH))),
        stall_seconds=_positive(doc, "stallTimeout", str(spec.get("stallTimeout", "1h")), problems),
        location=Location(doc.path, doc.line, doc.column),
    )


def _positive(doc: Document, field: str, text: str, problems: Problems) -> int:
    seconds = parse_duration(text)
    if seconds <= 0:
        problems.at(doc.path, doc.data, ["spec", field], f"spec.{field}: must be longer than 0s")
    return seconds


def _windows(doc: Document, items: list[Any], problems: Problems) -> tuple[Window, ...]:
    windows: list[Window] = []
    for index, item in enumerate(items):
        node: list[str | int] = ["spec", "windows", index]
        name, zone = str(item["name"]), str(item.get("timeZone", "UTC"))
        if any(w.name == name for w in windows):
            problems.at(doc.path, doc.data, [*node, "name"], f"window '{name}' is defined twice")
        zone_problem = time_zone_problem(zone)
        if zone_problem:
            problems.at(
                doc.path, doc.data, [*node, "timeZone"], f"spec.windows[{index}].timeZone: {zone_problem}"
            )
        schedule, cron_problem = schedule_problem(str(item["schedule"]), zone)
        if cron_problem:
            problems.at(
                doc.path, doc.data, [*node, "schedule"], f"spec.windows[{index}].schedule: {cron_problem}"
            )
        seconds = parse_duration(str(item["duration"]))
        if seconds <= 0:
            problems.at(
                doc.path,
                doc.data,
                [*node, "duration"],
                f"spec.windows[{index}].duration: must be longer than 0s",
            )
        windows.append(Window(name=name, schedule=schedule, duration_seconds=seconds, time_zone=zone))
    return tuple(windows)


# ---- bindings -----------------------------------------------------------------------------------
def _binding(doc: Document, problems: Problems) -> Binding:
    spec = doc.data["spec"]
    image = str(spec["osImageURL"])
    problem = image_problem(image)  # stricter than the schema's pattern (registry host, for one)
    if problem:
        problems.at(doc.path, doc.data, ["spec", "osImageURL"], f"spec.osImageURL: {problem}")
    window = spec.get("window")
    return Binding(
        name=str(doc.data["metadata"]["name"]),
        pool=str(spec["pool"]),
        os_image_url=image,
        stage=int(spec.get("stage", 0)),
        window=str(window) if window is not None else None,
        accept_conflicts=bool(spec.get("acceptConflicts", False)),
        location=Location(doc.path, doc.line, doc.column),
    )


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
