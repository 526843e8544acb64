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
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..resources import CONFIGMAPS, MACHINE_CONFIGS, MCO_GROUP, POOLS
from ..selectors import match_label_selector_object
from ..store import Obj, Store
from . import constants as c
from .conditions import set_condition

RENDER_DELAY = 5.0
_HASH_SALT = "mcosim-render-salt-v1:"
IGNITION_VERSION = "3.4.0"


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


def merge_ignition(configs: list[dict[str, Any]]) -> dict[str, Any]:
    """Later configs win per file path, unit name and user name; other keys: later wins."""
    files: dict[str, Any] = {}
    units: dict[str, Any] = {}
    users: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for cfg in configs:
        version = str(((cfg or {}).get("ignition") or {}).get("version") or IGNITION_VERSION)
        if not version.startswith("3."):
            raise RenderError(f"parsing Ignition config failed: unknown version {version}")
        for f in (cfg.get("storage") or {}).get("files") or []:
            files[f.get("path", "")] = f
        for u in (cfg.get("systemd") or {}).get("units") or []:
            units[u.get("name", "")] = u
        for user in (cfg.get("passwd") or {}).get("users") or []:
            users[user.get("name", "")] = _merge_user(users.get(user.get("name", "")), user)
        extra.update({k: v for k, v in cfg.items() if k not in ("ignition", "storage", "systemd", "passwd")})
    merged: dict[str, Any] = {"ignition": {"version": IGNITION_VERSION}, **copy.deepcopy(extra)}
    if files:
        merged["storage"] = {"files": [files[p] for p in sorted(files)]}
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


def merge_specs(mcs: list[Obj], base: BaseImages) -> dict[str, Any]:
    """The rendered spec of MCs already in merge order; raises RenderError for invalid content."""
    kargs: list[str] = []
    extensions: list[str] = []
    fips = False
    kernel_type = "default"
    os_image = ""
    for mc in mcs:
        spec = mc.get("spec") or {}
        kargs += spec.get("kernelArguments") or []
        extensions += [e for e in spec.get("extensions") or [] if e not in extensions]
        fips = fips or bool(spec.get("fips"))
        kt = spec.get("kernelType") or ""
        if kt not in c.KERNEL_TYPES:
            raise RenderError(f'invalid kernelType "{kt}" in MachineConfig {mc["metadata"]["name"]}')
        if kt not in ("", "default"):
            kernel_type = kt
        if spec.get("osImageURL"):
            os_image = spec["osImageURL"]
    _validate_extensions(extensions, kernel_type)
    return {
        "osImageURL": os_image or base.os_image,
        "baseOSExtensionsContainerImage": base.extensions_image,
        "config": merge_ignition([(mc.get("spec") or {}).get("config") or {} for mc in mcs]),
        "kernelArguments": kargs,
        "extensions": extensions,
        "fips": fips,
        "kernelType": kernel_type,
    }


def _validate_extensions(extensions: list[str], kernel_type: str) -> None:
    invalid = [e for e in extensions if e not in c.EXTENSION_ALLOW_LIST]
    if invalid:
        raise RenderError(f"invalid extensions found: {invalid}")
    if "kernel-devel" in extensions and kernel_type != "default":
        raise RenderError(
            f"installing kernel-devel extension is not supported with kernelType: {kernel_type}"
        )


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


def render(pool: Obj, mcs: Iterable[Obj], base: BaseImages) -> tuple[str, Obj, list[Obj]]:
    """(rendered name, rendered MC, the source MCs) for a pool; raises RenderError."""
    sources = selected_configs(pool, mcs)
    if not sources:
        selector = (pool.get("spec") or {}).get("machineConfigSelector") or {}
        raise RenderError(f"no MachineConfigs found matching selector {_selector_text(selector)}")
    spec = merge_specs(sources, base)
    name = rendered_name(pool["metadata"]["name"], spec)
    return name, rendered_object(pool, name, spec, base), sources


def _selector_text(selector: dict[str, Any]) -> str:
    terms = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for e in selector.get("matchExpressions") or []:
        terms.append(f"{e['key']} {e['operator'].lower()} ({','.join(e.get('values') or [])})")
    return ",".join(terms)


class RenderController:
    def __init__(self, store: Store, record_event: Any) -> None:
        self.store = store
        self.record_event = record_event

    def sync(self, pool_name: str) -> None:
        pool = self.store.try_get(POOLS, pool_name)
        if pool is None:
            return
        try:
            base = BaseImages.from_store(self.store)
            name, rendered, sources = render(pool, self.store.items(MACHINE_CONFIGS), base)
        except RenderError as err:
            self._set_render_degraded(
                pool_name, f"Failed to render configuration for pool {pool_name}: {err}"
            )
            return
        if self.store.try_get(MACHINE_CONFIGS, name) is None:
            self.store.create(MACHINE_CONFIGS, rendered)
            self.record_event(pool, "Normal", "RenderedConfigGenerated", f"{name} successfully generated")
        configuration = {
            "name": name,
            "source": [
                {"apiVersion": f"{MCO_GROUP}/v1", "kind": "MachineConfig", "name": s["metadata"]["name"]}
                for s in sources
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
