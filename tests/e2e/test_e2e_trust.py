"""Trust, as a new user tries it with the CLI: --verify with SSH-signed commits on the simulator, and
plan's image checks against a password-protected real registry (--registry-auth-file)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from e2e_support import MC, Cli, LocalSim, Repo, binding_yaml, policy_yaml
from realregistry import BASE_VERSION, PASSWORD, USER, RegistryWorld, registry_world
from signing import Signers
from testkit import HOTFIX1, HOTFIX2

from mcosim.resources import BY_KIND, NODES

SECRETS, IDMS = BY_KIND["Secret"], BY_KIND["ImageDigestMirrorSet"]

pytestmark = pytest.mark.slow


def test_a_signed_commit_rolls_out_and_an_unsigned_one_on_top_is_refused(
    cli: Cli, local_sim: LocalSim, signers: Signers, tmp_path: Path
) -> None:
    repo = Repo(cli, tmp_path / "bindings")
    repo.write("layering.yaml", policy_yaml())
    repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", HOTFIX1))
    signed = signers.commit(repo.path, "Bind worker", "alice")
    trust = ["--verify", "head", "--trusted-keys", str(signers.trusted_keys)]
    cluster = ["--kubeconfig", str(local_sim.kubeconfig)]

    synced = cli("sync", "--repo", str(repo.path), *cluster, *trust)
    assert synced.returncode == 0, synced.stderr
    mc = local_sim.mc(MC)
    assert mc is not None and mc["spec"]["osImageURL"] == HOTFIX1
    planned = cli("plan", "--repo", str(repo.path), *cluster, *trust)
    assert planned.returncode == 0, planned.stderr
    assert f"Verified (--verify head): commit {signed[:12]} signed by alice@example.com (SHA256:" in planned.stdout
    status = cli("status", "--repo", str(repo.path), *cluster, *trust, "-o", "json")
    signature = json.loads(status.stdout)["verification"]["signatures"][0]
    assert (signature["signer"], signature["format"]) == ("alice@example.com", "ssh")

    repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", HOTFIX2))
    unsigned = signers.commit(repo.path, "Bump worker (unsigned)")
    for command in ("sync", "plan"):
        refused = cli(command, "--repo", str(repo.path), *cluster, *trust)
        assert refused.returncode == 1 and refused.stdout == ""
        assert f"commit {unsigned} is refused (--verify head)" in refused.stderr
        assert "is not signed; nothing was planned or written" in refused.stderr
    mc = local_sim.mc(MC)
    assert mc is not None and mc["spec"]["osImageURL"] == HOTFIX1  # the cluster is as it was


# ---- image checks against a real registry ------------------------------------------------------------
@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryWorld]:
    with registry_world(tmp_path_factory.mktemp("registry")) as started:
        yield started


def _cluster_on_registry_base(local_sim: LocalSim, world: RegistryWorld) -> None:
    """Upgrade the simulated cluster to a release whose base image is the one in the real registry, and
    make one worker an arm64 node."""
    sim = local_sim.sim
    base = sim.registry.lookup(sim.add_image(world.content.base))
    assert base is not None
    current = sim.registry.release("4.16.3")
    sim.registry.releases["4.17.0"] = replace(current, version="4.17.0", base=base, rhcos_version=BASE_VERSION)
    sim.upgrade("4.17.0")
    with sim.store.lock:
        worker = next(n for n in sim.nodes_of("worker"))
        sim.store.modify(NODES, worker, lambda node: node["metadata"]["labels"].update({"kubernetes.io/arch": "arm64"}))


def test_plan_checks_images_in_a_password_protected_registry(
    cli: Cli, local_sim: LocalSim, registry: RegistryWorld, tmp_path: Path
) -> None:
    _cluster_on_registry_base(local_sim, registry)
    repo = Repo(cli, tmp_path / "bindings")
    repo.write("layering.yaml", policy_yaml())
    options = ["--kubeconfig", str(local_sim.kubeconfig), "--inspect-images", "--registry-auth-file",
               str(registry.auth_path), "--registry-ca-file", str(registry.pki.ca), "-o", "json"]

    def plan(bindings: dict[str, str]) -> tuple[int, dict[str, dict[str, str]], list[str]]:
        for pool, image in bindings.items():
            repo.write(f"bindings/{pool}.yaml", binding_yaml(f"{pool}-hotfix", pool, image))
        repo.commit("Bind " + ", ".join(bindings))
        done = cli("plan", "--repo", str(repo.path), *options)
        assert done.returncode in (1, 2), done.stderr
        doc = json.loads(done.stdout)
        checks: dict[str, dict[str, str]] = {}
        for check in doc["imageChecks"]:
            checks.setdefault(check["pool"], {})[check["check"]] = check["result"]
        blocking = [p["message"] for p in doc["problems"] if p["severity"] == "blocking"]
        return done.returncode, checks, blocking

    content = registry.content
    code, checks, blocking = plan({"worker": content.good, "canary": content.stale, "master": content.unknown})
    assert checks["worker"] == {"exists": "pass", "base": "pass", "arch": "pass", "bootable": "pass"}
    assert checks["canary"]["base"] == "fail" and checks["master"] == {"exists": "fail"}
    assert code == 1 and len(blocking) == 2
    assert any(content.stale in b and "stale" in b for b in blocking)
    assert any(content.unknown in b and "manifest unknown" in b for b in blocking)

    code, checks, blocking = plan({"worker": content.amd64_only, "canary": content.not_bootable,
                                   "master": content.good})
    assert checks["worker"]["arch"] == "fail" and checks["canary"]["bootable"] == "fail"
    assert code == 1 and len(blocking) == 2
    assert any(content.amd64_only in b and "arm64 nodes" in b for b in blocking)
    assert any(content.not_bootable in b and "ostree.bootable=true" in b for b in blocking)

    table = cli("plan", "--repo", str(repo.path), *options[:-2])
    assert "Image checks:" in table.stdout and "bootable ✗ fail" in table.stdout
    assert registry.auth.lookup(registry.basic.host) is not None
    assert "s3cret" not in table.stdout + table.stderr  # the password never appears


def test_cluster_pull_secret_and_mirror_set_reach_a_registry_behind_a_down_source(
    cli: Cli, local_sim: LocalSim, registry: RegistryWorld, tmp_path: Path
) -> None:
    """The credentials live only in openshift-config/pull-secret; the image names a registry that is
    down, and an ImageDigestMirrorSet points at the real registry."""
    _cluster_on_registry_base(local_sim, registry)
    down = "127.0.0.1:9"
    image = registry.content.good.replace(registry.basic.host, down)
    pull_secret = base64.b64encode(registry.auth_path.read_bytes()).decode()
    with local_sim.sim.store.lock:
        local_sim.sim.store.create(SECRETS, {"metadata": {"name": "pull-secret", "namespace": "openshift-config"},
                                             "type": "kubernetes.io/dockerconfigjson",
                                             "data": {".dockerconfigjson": pull_secret}})
        local_sim.sim.store.create(IDMS, {"metadata": {"name": "layering-mirror"}, "spec": {"imageDigestMirrors": [
            {"source": f"{down}/layering", "mirrors": [f"{registry.basic.host}/layering"]}]}})
    repo = Repo(cli, tmp_path / "bindings")
    repo.write("layering.yaml", policy_yaml())
    repo.write("bindings/worker.yaml", binding_yaml("worker-hotfix", "worker", image))
    repo.commit("Bind worker")
    base = ["plan", "--repo", str(repo.path), "--kubeconfig", str(local_sim.kubeconfig), "--inspect-images",
            "--registry-ca-file", str(registry.pki.ca), "-o", "json"]

    without = json.loads(cli(*base).stdout)
    assert [c["result"] for c in without["imageChecks"] if c["pool"] == "worker"] == ["skipped"]
    assert any("registry unreachable" in p["message"] for p in without["problems"])

    done = cli("-v", *base, "--use-cluster-pull-secret", "--use-cluster-mirrors")  # debug logging on
    assert done.returncode == 2, done.stderr
    for secret in (PASSWORD, pull_secret, base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()):
        assert secret not in done.stdout + done.stderr
    checks = {c["check"]: c for c in json.loads(done.stdout)["imageChecks"] if c["pool"] == "worker"}
    assert {name: c["result"] for name, c in checks.items()} == dict.fromkeys(
        ("exists", "base", "arch", "bootable"), "pass")
    assert checks["exists"]["detail"] == f"via the mirror {registry.basic.host}/layering/rhcos-hotfix"


def test_verify_tag_needs_a_ref_and_a_trusted_keys_directory(cli: Cli, local_sim: LocalSim, tmp_path: Path,
                                                             signers: Signers) -> None:
    cluster = ["--kubeconfig", str(local_sim.kubeconfig)]
    no_ref = cli("plan", "--repo", str(tmp_path), *cluster, "--verify", "tag", "--trusted-keys",
                 str(signers.trusted_keys))
    assert no_ref.returncode == 1 and "--verify tag: pass --ref naming the signed tag" in no_ref.stderr
    no_keys = cli("plan", "--repo", str(tmp_path), *cluster, "--verify", "head")
    assert no_keys.returncode == 1 and "--trusted-keys DIR is required" in no_keys.stderr
