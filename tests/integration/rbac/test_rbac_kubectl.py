"""What a new user does with kubectl: apply -k deploy/ (and again, and a server-side dry run), get -k,
create a token for the ServiceAccount, and `auth can-i --list` shows exactly what docs/install.md justifies."""

from __future__ import annotations

import base64
import os
import re
import subprocess
from pathlib import Path

import pytest
from rbac_world import NAMESPACE, REPO_ROOT, denials, deploy_objects, sa_kubeconfig
from testkit import HOTFIX1, kubectl_binary

from mcosim import Simulator
from mcosim.resources import BY_KIND, MACHINE_CONFIGS
from reconciler.cluster import Cluster

pytestmark = pytest.mark.kubectl
INSTALL_DOC = REPO_ROOT / "docs" / "install.md"
DEFAULT_ROWS = {  # the defaults every authenticated user holds (system:basic-user, system:discovery)
    ("selfsubjectaccessreviews.authorization.k8s.io", "", "create"),
    ("selfsubjectrulesreviews.authorization.k8s.io", "", "create"),
}


class Kubectl:
    def __init__(self, tmp_path: Path, kubeconfig: Path) -> None:
        self.kubeconfig = kubeconfig
        self.env = {**os.environ, "HOME": str(tmp_path / "home"), "KUBECACHEDIR": str(tmp_path / "kubecache")}
        self.env.pop("KUBECONFIG", None)

    def __call__(self, *args: str, kubeconfig: Path | None = None,
                 stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        command = [kubectl_binary(), "--kubeconfig", str(kubeconfig or self.kubeconfig), *args]
        return subprocess.run(command, capture_output=True, text=True, env=self.env, cwd=REPO_ROOT, timeout=60,
                              check=False, input=stdin)

    def ok(self, *args: str, kubeconfig: Path | None = None, stdin: str | None = None) -> str:
        done = self(*args, kubeconfig=kubeconfig, stdin=stdin)
        assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
        return done.stdout


@pytest.fixture
def kubectl(sim: Simulator, tmp_path: Path) -> Kubectl:
    return Kubectl(tmp_path, sim.write_kubeconfig(tmp_path / "admin.kubeconfig"))


def can_i_rows(output: str) -> set[tuple[str, str, str]]:
    """(resource, resourceNames, verb) per verb of each resource row of `kubectl auth can-i --list`."""
    rows = set()
    for line in output.splitlines()[1:]:
        cells = re.split(r"\s{2,}", line.strip())
        if line.startswith(" ") or len(cells) != 4:
            continue  # a non-resource URL row
        resource, _, names, verbs = cells
        rows |= {(resource, names.strip("[]"), verb) for verb in verbs.strip("[]").split()}
    return rows


def documented_rows(namespace: str) -> set[tuple[str, str, str]]:
    """The rows of docs/install.md's RBAC table that apply in `namespace` (cluster-wide ones everywhere)."""
    rows = set()
    for line in INSTALL_DOC.read_text().splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or cells[0] not in ("cluster", namespace):
            continue
        _, group, resource, names, verbs, _ = cells
        qualified = f"{resource}.{group}" if group else resource
        rows |= {(qualified, names if names != "-" else "", v.strip()) for v in verbs.split(",")}
    return rows


def test_apply_get_dry_run_and_reapply(kubectl: Kubectl) -> None:
    first = kubectl.ok("apply", "-k", "deploy/")
    objects = deploy_objects()
    assert first.count(" created") == len(objects), first
    assert "deployment.apps/layering-reconciler created" in first
    again = kubectl.ok("apply", "-k", "deploy/")
    # kubectl always sends a PodDisruptionBudget's selector (its patch strategy is replace): "configured"
    assert "poddisruptionbudget.policy/layering-reconciler configured" in again, again
    assert again.count(" unchanged") == len(objects) - 1, again
    preview = kubectl.ok("apply", "-k", "deploy/", "--dry-run=server")  # how docs/install.md previews an upgrade
    assert preview.count("(server dry run)") == len(objects), preview
    listed = kubectl.ok("get", "-k", "deploy/", "-o", "name")
    assert len(listed.split()) == len(objects) and "networkpolicy.networking.k8s.io/layering-reconciler" in listed
    table = kubectl.ok("get", "-k", "deploy/")  # the printer columns kubectl shows for each kind
    assert re.search(r"clusterrolebinding\S+/layering-reconciler\s+ClusterRole/layering-reconciler", table), table
    assert re.search(r"deployment.apps/layering-reconciler\s+0/2\s", table), table
    assert re.search(r"service/layering-reconciler\s+ClusterIP\s+\S+\s+\S+\s+8080/TCP", table), table


def test_private_repository_secret_and_uninstall_keeps_our_machine_configs(kubectl: Kubectl, sim: Simulator) -> None:
    kubectl.ok("apply", "-k", "deploy/")
    kubectl.ok("-n", NAMESPACE, "create", "secret", "generic", "layering-reconciler-git",
               "--from-literal=token=s3cr3t", "--from-literal=known_hosts=git.example.com ssh-ed25519 AAAA")
    with sim.store.lock:
        secret = sim.store.get(BY_KIND["Secret"], "layering-reconciler-git", NAMESPACE)
        sim.store.create(MACHINE_CONFIGS, {"metadata": {"name": "99-layering-worker", "labels": {
            "machineconfiguration.openshift.io/role": "worker", "app.kubernetes.io/managed-by": "layering-reconciler"}},
            "spec": {"osImageURL": HOTFIX1}})
    assert base64.b64decode(secret["data"]["token"]) == b"s3cr3t" and secret["type"] == "Opaque"
    removed = kubectl.ok("delete", "-k", "deploy/")
    assert removed.count(" deleted") == len(deploy_objects())
    with sim.store.lock:
        assert sim.store.try_get(MACHINE_CONFIGS, "99-layering-worker") is not None  # the pool keeps its image


def test_can_i_list_shows_only_what_install_md_justifies(kubectl: Kubectl, sim: Simulator, tmp_path: Path) -> None:
    kubectl.ok("apply", "-k", "deploy/")
    token = kubectl.ok("create", "token", "layering-reconciler", "-n", NAMESPACE).strip()
    account = sa_kubeconfig(sim, tmp_path / "sa.kubeconfig", token)
    for namespace in (NAMESPACE, "openshift-machine-config-operator", "default"):
        shown = can_i_rows(kubectl.ok("auth", "can-i", "--list", "-n", namespace, kubeconfig=account))
        assert shown == documented_rows(namespace) | DEFAULT_ROWS, namespace
    as_account = ("--as", "system:serviceaccount:layering-reconciler:layering-reconciler")  # docs/install.md's check
    assert can_i_rows(kubectl.ok("auth", "can-i", "--list", "-n", NAMESPACE, *as_account)) == \
        documented_rows(NAMESPACE) | DEFAULT_ROWS
    assert kubectl.ok("auth", "can-i", "patch", "mcp/worker", kubeconfig=account).strip() == "yes"
    refused = kubectl("auth", "can-i", "update", "mcp/worker", kubeconfig=account)
    assert (refused.returncode, refused.stdout.strip()) == (1, "no")
    assert kubectl.ok("get", "mcp", kubeconfig=account).startswith("NAME")  # list is granted
    assert denials(sim) == []


def test_an_unbound_service_account_gets_the_real_forbidden_message(kubectl: Kubectl, sim: Simulator,
                                                                    tmp_path: Path) -> None:
    kubectl.ok("apply", "-k", "deploy/")
    kubectl.ok("create", "serviceaccount", "nobody", "-n", NAMESPACE)
    token = kubectl.ok("create", "token", "nobody", "-n", NAMESPACE).strip()
    nobody = sa_kubeconfig(sim, tmp_path / "nobody.kubeconfig", token)
    refused = kubectl("get", "mc", kubeconfig=nobody)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'Error from server (Forbidden): machineconfigs.machineconfiguration.openshift.io is forbidden: User '
        '"system:serviceaccount:layering-reconciler:nobody" cannot list resource "machineconfigs" in API group '
        '"machineconfiguration.openshift.io" at the cluster scope')
    named = kubectl("get", "cm", "layering-reconciler-state", "-n", NAMESPACE, kubeconfig=nobody)
    assert named.stderr.strip() == (
        'Error from server (Forbidden): configmaps "layering-reconciler-state" is forbidden: User '
        '"system:serviceaccount:layering-reconciler:nobody" cannot get resource "configmaps" in API group "" '
        'in the namespace "layering-reconciler"')
    bogus = sa_kubeconfig(sim, tmp_path / "bogus.kubeconfig", token[:-4] + "AAAA")
    unauthorized = kubectl("get", "mc", kubeconfig=bogus)
    assert unauthorized.returncode == 1 and "Unauthorized" in unauthorized.stderr
    assert len(denials(sim)) == 2


def test_reapplying_after_the_reconciler_saved_its_memory_keeps_it(kubectl: Kubectl, sim: Simulator,
                                                                   tmp_path: Path) -> None:
    kubectl.ok("apply", "-k", "deploy/")
    token = kubectl.ok("create", "token", "layering-reconciler", "-n", NAMESPACE).strip()
    with Cluster.connect(str(sa_kubeconfig(sim, tmp_path / "sa.kubeconfig", token))) as cluster:
        assert cluster.load_memory() == {}
        cluster.save_memory({"pausedByUs": ["worker"]})
    again = kubectl("apply", "-k", "deploy/")  # an upgrade: the state ConfigMap's data is not in the manifest
    assert again.returncode == 0 and "configmap/layering-reconciler-state unchanged" in again.stdout
    assert again.stderr == "", again.stderr  # the reconciler's save kept kubectl's last-applied annotation
    with Cluster.connect(str(sa_kubeconfig(sim, tmp_path / "sa2.kubeconfig", token))) as cluster:
        assert cluster.load_memory() == {"pausedByUs": ["worker"]}
    assert denials(sim) == []
