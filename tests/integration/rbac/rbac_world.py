"""deploy/ on the RBAC-enforcing simulator: its objects, a service account's token over HTTPS, and the
reconciler command line a pod of the Deployment would run."""

from __future__ import annotations

import base64
import copy
import json
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from mcosim import Simulator
from mcosim.resources import BY_KIND, SERVICE_ACCOUNTS

REPO_ROOT = Path(__file__).resolve().parents[3]
DEPLOY = REPO_ROOT / "deploy"
NAMESPACE = "layering-reconciler"
ACCOUNT = "layering-reconciler"
USER = f"system:serviceaccount:{NAMESPACE}:{ACCOUNT}"
Obj = dict[str, Any]


# ---- the manifests ------------------------------------------------------------------------------
def deploy_objects() -> list[Obj]:
    """Every object of deploy/, in the kustomization's order (its labels are not needed here)."""
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    objects: list[Obj] = []
    for name in kustomization["resources"]:
        objects += [doc for doc in yaml.safe_load_all((DEPLOY / name).read_text()) if doc]
    return objects


def manifest(kind: str, name: str, namespace: str = "") -> Obj:
    for obj in deploy_objects():
        meta = obj["metadata"]
        if obj["kind"] == kind and meta["name"] == name and meta.get("namespace", "") == namespace:
            return obj
    raise AssertionError(f"deploy/ has no {kind} {namespace}/{name}")


def install(sim: Simulator, objects: Iterable[Obj] | None = None) -> None:
    """Create deploy/'s objects in the store directly (what `kubectl apply -k deploy/` does, faster)."""
    with sim.store.lock:
        for obj in objects if objects is not None else deploy_objects():
            sim.store.create(BY_KIND[obj["kind"]], copy.deepcopy(obj))


def token_of(sim: Simulator, namespace: str = NAMESPACE, account: str = ACCOUNT) -> str:
    """A fresh token of the service account, as the TokenRequest API issues it."""
    with sim.store.lock:
        uid = sim.store.get(SERVICE_ACCOUNTS, account, namespace)["metadata"]["uid"]
    token, _ = sim.api.auth.issue(namespace, account, uid, 3600)
    return str(token)


def sa_kubeconfig(sim: Simulator, path: Path, token: str) -> Path:
    """A kubeconfig for the HTTPS endpoint (with its CA) holding a service account's token."""
    api = sim.api
    assert api.https_url and api.cert is not None, "start the simulator with tls_port=0"
    ca = base64.b64encode(api.cert.cert_pem).decode()
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": "sa", "preferences": {},
        "clusters": [{"name": "sa", "cluster": {"server": api.https_url, "certificate-authority-data": ca}}],
        "users": [{"name": "sa", "user": {"token": token}}],
        "contexts": [{"name": "sa", "context": {"cluster": "sa", "user": "sa", "namespace": NAMESPACE}}],
    }
    path.write_text(json.dumps(config))
    return path


def denials(sim: Simulator) -> list[str]:
    return [d.message for d in sim.api.auth.denials]


# ---- the Deployment's command line --------------------------------------------------------------
def supported_run_flags() -> set[str]:
    """The long flags `reconciler run --help` lists."""
    done = subprocess.run([sys.executable, "-m", "reconciler", "run", "--help"], capture_output=True, text=True,
                          check=True, cwd=REPO_ROOT)
    return set(re.findall(r"(--[a-z][a-z0-9-]+)", done.stdout))


def flag_of(variable: str) -> str:
    """LAYERING_METRICS_PORT -> --metrics-port (the agreed env/flag naming)."""
    return "--" + variable.removeprefix("LAYERING_").lower().replace("_", "-")


def pod_environment(deployment: Obj, config_maps: dict[str, dict[str, str]], paths: dict[str, Path],
                    pod_name: str = "layering-reconciler-7d9f8-abcde") -> dict[str, str]:
    """The container's environment: envFrom ConfigMaps, then env (fieldRefs metadata.namespace and
    metadata.name resolved, the latter to `pod_name`);
    values under a mount path are moved to the local directory standing in for that mount."""
    spec = deployment["spec"]["template"]["spec"]
    container = spec["containers"][0]
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        env.update(config_maps[source["configMapRef"]["name"]])
    for item in container.get("env") or []:
        if "value" in item:
            env[item["name"]] = str(item["value"])
        elif item.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.namespace":
            env[item["name"]] = deployment["metadata"]["namespace"]
        elif item.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name":
            env[item["name"]] = pod_name
        else:
            raise AssertionError(f"unsupported env source in the Deployment: {item}")
    for name, value in env.items():
        for mount, local in paths.items():
            if value == mount or value.startswith(mount + "/"):
                env[name] = str(local) + value[len(mount):]
    return env


def pod_command(deployment: Obj, env: dict[str, str], supported: set[str]) -> tuple[list[str], list[str]]:
    """(argv, flags not yet known to this reconciler) for the container's command + args, with every
    LAYERING_* variable also passed as its flag (so the run does not depend on env support)."""
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    command = [*container.get("command", []), *container.get("args", [])]
    assert command[:2] == ["reconciler", "run"], command
    argv = [sys.executable, "-m", "reconciler", *command[1:]]
    unknown = []
    for name, value in sorted(env.items()):
        if not name.startswith("LAYERING_"):
            continue
        if flag_of(name) in supported:
            argv += [flag_of(name), value]
        else:
            unknown.append(flag_of(name))
    return argv, unknown


def volume_paths(deployment: Obj) -> list[str]:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return [m["mountPath"] for m in container.get("volumeMounts") or []]
