"""The MachineConfigs a fresh cluster has: templates (00-*, 01-*) and the 99-* ones the installer adds."""

from __future__ import annotations

import base64
from typing import Any

from ..store import Obj
from . import constants as c
from .render import IGNITION_VERSION

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMcosimExampleKeyDoNotUseXXXXXXXXXXXXXXXXXXXXX core@mcosim"


def _file(path: str, text: str, mode: int = 0o644) -> dict[str, Any]:
    data = base64.b64encode(text.encode()).decode()
    return {
        "path": path,
        "mode": mode,
        "overwrite": True,
        "contents": {"source": f"data:text/plain;charset=utf-8;base64,{data}"},
    }


def _mc(
    name: str,
    role: str,
    config: dict[str, Any],
    *,
    template: bool,
    os_image: str = "",
    extensions_image: str = "",
    **spec: Any,
) -> Obj:
    annotations = {c.GENERATED_BY: c.CONTROLLER_VERSION} if template else {}
    body: dict[str, Any] = {
        "config": {"ignition": {"version": IGNITION_VERSION}, **config},
        "extensions": [],
        "fips": False,
        "kernelArguments": [],
        "kernelType": "",
        **spec,
    }
    body["osImageURL"] = os_image
    if extensions_image:
        body["baseOSExtensionsContainerImage"] = extensions_image
    meta: dict[str, Any] = {"name": name, "labels": {c.ROLE_LABEL: role}}
    if annotations:
        meta["annotations"] = annotations
    return {"metadata": meta, "spec": body}


def template_configs(role: str, os_image: str, extensions_image: str) -> list[Obj]:
    """The per-role MachineConfigs; 00-<role> carries the base OS image as ≤4.20 templates do."""
    kubelet = _file(
        "/etc/kubernetes/kubelet.conf",
        "kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\n"
        "cgroupDriver: systemd\nmaxPods: 250\n"
        f"nodeLabels:\n  node-role.kubernetes.io/{role}: \"\"\n",
    )
    crio = _file("/etc/crio/crio.conf.d/00-default", "[crio.runtime]\nselinux = true\n")
    registries = _file(
        "/etc/containers/registries.conf",
        'unqualified-search-registries = ["registry.access.redhat.com", "docker.io"]\nshort-name-mode = ""\n',
    )
    return [
        _mc(
            f"00-{role}",
            role,
            {
                "storage": {"files": [_file("/etc/mco/proxy.env", "")]},
                "systemd": {"units": [{"name": "kubelet.service", "enabled": True}]},
            },
            template=True,
            os_image=os_image,
            extensions_image=extensions_image,
        ),
        _mc(f"01-{role}-container-runtime", role, {"storage": {"files": [crio]}}, template=True),
        _mc(
            f"01-{role}-kubelet",
            role,
            {
                "storage": {"files": [kubelet]},
                "systemd": {"units": [{"name": "kubelet.service", "enabled": True}]},
            },
            template=True,
        ),
        _mc(f"99-{role}-generated-registries", role, {"storage": {"files": [registries]}}, template=True),
        _mc(
            f"99-{role}-ssh",
            role,
            {"passwd": {"users": [{"name": "core", "sshAuthorizedKeys": [SSH_KEY]}]}},
            template=False,
        ),
    ]


def pool_object(name: str, max_unavailable: int | str | None = None) -> Obj:
    if name in ("master", "worker"):
        mc_selector: dict[str, Any] = {"matchLabels": {c.ROLE_LABEL: name}}
    else:
        mc_selector = {
            "matchExpressions": [{"key": c.ROLE_LABEL, "operator": "In", "values": ["worker", name]}]
        }
    spec: dict[str, Any] = {
        "machineConfigSelector": mc_selector,
        "nodeSelector": {"matchLabels": {c.NODE_ROLE_PREFIX + name: ""}},
        "paused": False,
    }
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    labels = {f"pools.operator.machineconfiguration.openshift.io/{name}": ""}
    if name == "master":
        labels["operator.machineconfiguration.openshift.io/required-for-upgrade"] = ""
    return {"metadata": {"name": name, "labels": labels}, "spec": spec}
