"""Render controller: merge the MachineConfigs a pool selects into one `rendered-<pool>-<hash>`.

Selection is the pool's machineConfigSelector over the MCs' labels; worker-role MCs come first
(by name), then the rest (by name), so a custom pool's own MC beats a worker one. The rendered
name hashes the merged spec only: the same content always gives the same name, and rendered MCs
are never deleted, so removing an override brings back the previous name.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..releases import ReleaseShape
from ..resources import CONFIGMAPS, MACHINE_CONFIGS, MCO_GROUP, POOLS
from ..selectors import match_label_selector_object
from ..store import Obj, Store
from . import constants as c
from .conditions import set_condition

RENDER_DELAY = 5.0
_HASH_SALT = "mcosim-render-salt-v1:"
IGNITION_VERSION = "3.4.0"  # what the template MachineConfigs carry
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


class RenderError(Exception):
    pass


@dataclass(frozen=True)
class BaseImages:
    """What the osimageurl ConfigMap says about the running release."""

    release: str
    os_image: str
    extensions_image: str

    @classmethod
    def from_store(cls, store: Store) -> BaseImages:
        cm = store.get(CONFIGMAPS, c.OSIMAGEURL_CONFIGMAP, c.MCO_NAMESPACE)
        data = cm.get("data") or {}
        return cls(
            data.get("releaseVersion", ""),
            data.get("baseOSContainerImage", ""),
            data.get("baseOSExtensionsContainerImage", ""),
        )


def is_rendered(mc: Obj) -> bool:
    return mc["metadata"]["name"].startswith("rendered-") and bool(mc["metadata"].get("ownerReferences"))


def selected_configs(pool: Obj, mcs: Iterable[Obj]) -> list[Obj]:
    """The MCs a pool selects, in merge order: worker-role first by name, then the rest by name."""
    selector = (pool.get("spec") or {}).get("machineConfigSelector")
    if not selector:
        return []
    chosen = [
        mc
        for mc in mcs
        if not is_rendered(mc) and match_label_selector_object(selector, mc["metadata"].get("labels") or {})
    ]

    def order(mc: Obj) -> tuple[int, str]:
        role = (mc["metadata"].get("labels") or {}).get(c.ROLE_LABEL)
        return (0 if role == "worker" else 1, mc["metadata"]["name"])

    return sorted(chosen, key=order)


def parse_ignition(config: Any, shape: ReleaseShape) -> dict[str, Any] | None:
    """One MC's Ignition as spec 3 (2.2 converted), as the MCO's IgnParseWrapper accepts it; None = no config."""
    if config is None:
        return None
    raw = config if isinstance(config, dict) else {}
    version = str((raw.get("ignition") or {}).get("version") or "")
    match = _SEMVER.match(version)
    if not isinstance(config, dict) or match is None:
        raise RenderError(f"parsing Ignition config failed: invalid version. Supported spec versions: "
                          f"{shape.supported_ignition}")
    major, minor, patch = (int(x) for x in match.groups())
    newest = int(shape.ignition_version.split(".")[1])
    if major == 3 and minor <= newest and patch == 0:
        return raw
    if (major, minor, patch) == (2, 2, 0):
        return _convert_v2(raw)
    raise RenderError(f"parsing Ignition config failed: unknown version. Supported spec versions: "
                      f"{shape.supported_ignition}")


def _convert_v2(config: dict[str, Any]) -> dict[str, Any]:
    """Spec 2.2 → 3: files lose `filesystem` (always root here); units and users keep their shape."""
    out = {k: copy.deepcopy(v) for k, v in config.items() if k != "ignition"}
    v2_files = (config.get("storage") or {}).get("files") or []
    files = [{k: v for k, v in f.items() if k != "filesystem"} for f in v2_files]
    if files:
        out["storage"] = {**out.get("storage", {}), "files": files}
    return out


def merge_ignition(configs: list[dict[str, Any] | None], version: str) -> dict[str, Any]:
    """Later configs win per file path, unit name and user name; other keys: later wins.

    A file without `overwrite` gets `overwrite: true` (the MCO always overwrites; Ignition 3 would not).
    """
    files: dict[str, Any] = {}
    units: dict[str, Any] = {}
    users: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for cfg in configs:
        if cfg is None:
            continue
        for f in (cfg.get("storage") or {}).get("files") or []:
            files[f.get("path", "")] = f
        for u in (cfg.get("systemd") or {}).get("units") or []:
            units[u.get("name", "")] = u
        for user in (cfg.get("passwd") or {}).get("users") or []:
            users[user.get("name", "")] = _merge_user(users.get(user.get("name", "")), user)
        extra.update({k: v for k, v in cfg.items() if k not in ("ignition", "storage", "systemd", "passwd")})
    merged: dict[str, Any] = {"ignition": {"version": version}, **copy.deepcopy(extra)}
    if files:
        merged["storage"] = {"files": [{"overwrite": True, **files[p]} if files[p].get("overwrite") is None
                                       else files[p] for p in sorted(files)]}
    if units:
        merged["systemd"] = {"units": [units[n] for n in sorted(units)]}
    if users:
        merged["passwd"] = {"users": [users[n] for n in sorted(users)]}
    return copy.deepcopy(merged)


def _merge_user(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    if old is None:
        return new
    keys = list(old.get("sshAuthorizedKeys") or []) + [
        k for k in new.get("sshAuthorizedKeys") or [] if k not in (old.get("sshAuthorizedKeys") or [])
    ]
    return {**old, **new, "sshAuthorizedKeys": keys}


def validate(mc: Obj, shape: ReleaseShape) -> dict[str, Any] | None:
    """ValidateMachineConfig: kernelType, Ignition, and (from 4.16) extensions; returns the spec 3 config."""
    spec = mc.get("spec") or {}
    kernel_type = spec.get("kernelType") or ""
    if kernel_type not in c.KERNEL_TYPES:
        raise RenderError(f"kernelType={kernel_type} is invalid")
    config = parse_ignition(spec.get("config"), shape)
    invalid = [e for e in spec.get("extensions") or [] if e not in shape.extensions]
    if invalid and shape.render_validates_extensions:
        raise RenderError(f"invalid extensions found: [{' '.join(invalid)}]")
    return config


def merge_specs(mcs: list[Obj], base: BaseImages, shape: ReleaseShape) -> dict[str, Any]:
    """The rendered spec of MCs already in merge order; raises RenderError for invalid content."""
    configs = [validate(mc, shape) for mc in mcs]
    specs = [mc.get("spec") or {} for mc in mcs]
    kernel_type = "default"
    for spec in specs:
        if spec.get("kernelType") in ("realtime", "64k-pages"):
            kernel_type = spec["kernelType"]
    extensions = [e for spec in specs for e in spec.get("extensions") or []]
    if "kernel-devel" in extensions and kernel_type != "default":
        raise RenderError(f"installing kernel-devel extension is not supported with kernelType: {kernel_type}")
    return {
        "osImageURL": _last_set(specs, "osImageURL") or base.os_image,
        "baseOSExtensionsContainerImage": _last_set(specs, "baseOSExtensionsContainerImage")
        or base.extensions_image,
        "config": merge_ignition(configs, shape.ignition_version),
        "kernelArguments": [k for spec in specs for k in spec.get("kernelArguments") or []],
        "extensions": extensions,
        "fips": any(bool(spec.get("fips")) for spec in specs),
        "kernelType": kernel_type,
    }


def _last_set(specs: list[dict[str, Any]], key: str) -> str:
    return next((str(spec[key]) for spec in reversed(specs) if spec.get(key)), "")


def refuse_foreign_generated(mcs: list[Obj]) -> None:
    """An MC carrying another controller version's generated-by annotation stops the render."""
    for mc in mcs:
        version = (mc["metadata"].get("annotations") or {}).get(c.GENERATED_BY, "")
        if version and version != c.CONTROLLER_VERSION:
            raise RenderError(f"Ignoring MC {mc['metadata']['name']} generated by older version {version} "
                              f"(my version: {c.CONTROLLER_VERSION})")


def check_reconcilable(current: Obj | None, spec: dict[str, Any], sources: list[Obj]) -> None:
    """From 4.16: a FIPS change against the pool's current rendered config is refused, naming the MC."""
    if current is None or bool(current["spec"].get("fips")) == spec["fips"]:
        return
    old_fips = bool(current["spec"].get("fips"))
    culprit = next(
        (s for s in sorted(sources, key=lambda m: m["metadata"]["name"]) if bool((s.get("spec") or {}).get("fips"))
         != old_fips),
        None,
    )
    reason = "detected change to FIPS flag; refusing to modify FIPS on a running cluster"
    if culprit is None:
        raise RenderError(f"render reconciliation error: {reason}")
    raise RenderError(f'reconciliation failed between current config "{current["metadata"]["name"]}" and base '
                      f'config "{culprit["metadata"]["name"]}": {reason}')


def rendered_name(pool: str, spec: dict[str, Any]) -> str:
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    return f"rendered-{pool}-" + hashlib.md5((_HASH_SALT + canonical).encode()).hexdigest()


def rendered_object(pool: Obj, name: str, spec: dict[str, Any], base: BaseImages) -> Obj:
    annotations = {c.GENERATED_BY: c.CONTROLLER_VERSION, c.RELEASE_IMAGE_VERSION: base.release}
    if spec["osImageURL"] != base.os_image:
        annotations[c.OS_IMAGE_URL_OVERRIDDEN] = "true"
    owner = {
        "apiVersion": POOLS.api_version,
        "kind": POOLS.kind,
        "name": pool["metadata"]["name"],
        "uid": pool["metadata"].get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }
    return {
        "apiVersion": MACHINE_CONFIGS.api_version,
        "kind": MACHINE_CONFIGS.kind,
        "metadata": {"name": name, "annotations": annotations, "ownerReferences": [owner]},
        "spec": spec,
    }


def render(
    pool: Obj,
    mcs: Iterable[Obj],
    base: BaseImages,
    shape: ReleaseShape | None = None,
    current: Callable[[str], Obj | None] = lambda _name: None,
) -> tuple[str, Obj, list[Obj]]:
    """(rendered name, rendered MC, the source MCs) for a pool; raises RenderError with the pool message's tail.

    `current` finds a rendered MC by name (for the reconcilability check against the pool's target).
    """
    shape = shape or ReleaseShape(base.release or "4.16.3")
    sources = selected_configs(pool, mcs)
    if not sources:
        selector = (pool.get("spec") or {}).get("machineConfigSelector") or {}
        raise RenderError(f"no MachineConfigs found matching selector {_selector_text(selector)}")
    try:
        refuse_foreign_generated(sources)
        spec = merge_specs(sources, base, shape)
        if shape.render_checks_reconcilable:
            target = ((pool.get("spec") or {}).get("configuration") or {}).get("name") or ""
            check_reconcilable(current(target) if target else None, spec, sources)
    except RenderError as err:
        if shape.wraps_render_errors:
            raise RenderError(f"could not generate rendered MachineConfig: {err}") from err
        raise
    name = rendered_name(pool["metadata"]["name"], spec)
    return name, rendered_object(pool, name, spec, base), sources


def _selector_text(selector: dict[str, Any]) -> str:
    terms = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for e in selector.get("matchExpressions") or []:
        terms.append(f"{e['key']} {e['operator'].lower()} ({','.join(e.get('values') or [])})")
    return ",".join(terms)


class RenderController:
    def __init__(self, store: Store, record_event: Any, shape: ReleaseShape) -> None:
        self.store = store
        self.record_event = record_event
        self.shape = shape

    def sync(self, pool_name: str) -> None:
        pool = self.store.try_get(POOLS, pool_name)
        if pool is None:
            return
        try:
            base = BaseImages.from_store(self.store)
            name, rendered, sources = render(
                pool, self.store.items(MACHINE_CONFIGS), base, self.shape,
                lambda n: self.store.try_get(MACHINE_CONFIGS, n),
            )
        except RenderError as err:
            self._set_render_degraded(
                pool_name, f"Failed to render configuration for pool {pool_name}: {err}"
            )
            return
        if self.store.try_get(MACHINE_CONFIGS, name) is None:
            self.store.create(MACHINE_CONFIGS, rendered)
            self.record_event(pool, "Normal", "RenderedConfigGenerated",
                              f"{name} successfully generated (release version: {base.release}, "
                              f"controller version: {c.CONTROLLER_VERSION})")
        configuration = {
            "name": name,
            "source": [
                {"apiVersion": f"{MCO_GROUP}/v1", "kind": "MachineConfig", "name": s["metadata"]["name"]}
                for s in sorted(sources, key=lambda m: m["metadata"]["name"])
            ],
        }

        def point(p: Obj) -> None:
            p["spec"]["configuration"] = configuration

        if pool["spec"].get("configuration") != configuration:
            self.store.modify(POOLS, pool_name, point)
        self._set_render_degraded(pool_name, None)

    def _set_render_degraded(self, pool_name: str, message: str | None) -> None:
        now = self.store.clock.now()

        def change(p: Obj) -> None:
            conds = p.setdefault("status", {}).setdefault("conditions", [])
            if message is None:
                set_condition(conds, "RenderDegraded", "False", "", "", now)
            else:
                set_condition(conds, "RenderDegraded", "True", "", message, now)

        self.store.modify(POOLS, pool_name, change, subresource="status")
