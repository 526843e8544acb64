"""deploy/'s Deployment, Service and NetworkPolicy keep the contract the image and docs/install.md state:
OpenShift's restricted-v2 SCC (no fixed UID), a read-only root with emptyDirs, probes and metrics on 8080,
configuration from the ConfigMap, git credentials from the optional Secret."""

from __future__ import annotations

from typing import Any

from rbac_world import NAMESPACE, deploy_objects, manifest

Obj = dict[str, Any]
NAME = "layering-reconciler"


def pod_spec() -> Obj:
    return dict(manifest("Deployment", NAME, NAMESPACE)["spec"]["template"]["spec"])


def container() -> Obj:
    containers = pod_spec()["containers"]
    assert len(containers) == 1
    return dict(containers[0])


def walk(value: Any) -> list[str]:
    """Every key anywhere in a manifest."""
    if isinstance(value, dict):
        return [*value, *(k for v in value.values() for k in walk(v))]
    if isinstance(value, list):
        return [k for v in value for k in walk(v)]
    return []


def test_every_object_lives_in_our_namespace_except_the_cluster_and_mco_ones() -> None:
    for obj in deploy_objects():
        namespace = obj["metadata"].get("namespace")
        if obj["kind"] in ("Namespace", "ClusterRole", "ClusterRoleBinding"):
            assert namespace is None
        elif obj["metadata"]["name"] == "layering-reconciler-osimageurl":
            assert namespace == "openshift-machine-config-operator"
        else:
            assert namespace == NAMESPACE, obj["metadata"]


def test_restricted_scc_compatible_security_context() -> None:
    assert "runAsUser" not in walk(deploy_objects()) and "runAsGroup" not in walk(deploy_objects())
    pod, ctr = pod_spec()["securityContext"], container()["securityContext"]
    assert pod == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    assert ctr["allowPrivilegeEscalation"] is False and ctr["capabilities"] == {"drop": ["ALL"]}
    assert ctr["readOnlyRootFilesystem"] is True and ctr["runAsNonRoot"] is True
    assert "privileged" not in ctr and "hostNetwork" not in pod_spec()
    assert pod_spec()["serviceAccountName"] == NAME


def test_writable_paths_are_emptydirs_and_credentials_an_optional_secret() -> None:
    mounts = {m["mountPath"]: m for m in container()["volumeMounts"]}
    volumes = {v["name"]: v for v in pod_spec()["volumes"]}
    assert set(mounts) == {"/var/cache/layering-reconciler", "/tmp", "/etc/layering-reconciler/git"}
    for path in ("/var/cache/layering-reconciler", "/tmp"):
        assert "emptyDir" in volumes[mounts[path]["name"]]
    git = mounts["/etc/layering-reconciler/git"]
    assert git["readOnly"] is True
    assert volumes[git["name"]]["secret"] == {"secretName": "layering-reconciler-git", "optional": True,
                                              "defaultMode": 0o440}
    env = {e["name"]: e.get("value") for e in container()["env"]}
    assert env["HOME"] == "/tmp" and env["LAYERING_CACHE_DIR"] == "/var/cache/layering-reconciler"


def test_configuration_comes_from_the_configmap_and_the_command_is_reconciler_run() -> None:
    assert container()["command"] == ["reconciler", "run"] and "args" not in container()
    assert container()["envFrom"] == [{"configMapRef": {"name": "layering-reconciler-config"}}]
    config = manifest("ConfigMap", "layering-reconciler-config", NAMESPACE)["data"]
    assert {"LAYERING_REPO", "LAYERING_REF", "LAYERING_INTERVAL"} <= set(config)
    assert all(key.startswith("LAYERING_") for key in config)
    assert "data" not in manifest("ConfigMap", "layering-reconciler-state", NAMESPACE)  # apply never resets it


def test_probes_resources_service_and_network_policy_use_the_metrics_port() -> None:
    ctr = container()
    assert ctr["ports"] == [{"name": "http-metrics", "containerPort": 8080, "protocol": "TCP"}]
    env = {e["name"]: e.get("value") for e in ctr["env"]}
    assert env["LAYERING_METRICS_PORT"] == "8080" and env["LAYERING_LOG_FORMAT"] == "json"
    assert ctr["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http-metrics"}
    assert ctr["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http-metrics"}
    assert set(ctr["resources"]) == {"requests", "limits"} and "memory" in ctr["resources"]["limits"]
    labels = manifest("Deployment", NAME, NAMESPACE)["spec"]["template"]["metadata"]["labels"]
    service = manifest("Service", NAME, NAMESPACE)["spec"]
    assert service["selector"].items() <= labels.items()
    assert service["ports"] == [{"name": "http-metrics", "port": 8080, "targetPort": "http-metrics", "protocol": "TCP"}]
    policy = manifest("NetworkPolicy", NAME, NAMESPACE)["spec"]
    assert policy["podSelector"]["matchLabels"].items() <= labels.items() and policy["policyTypes"] == ["Ingress"]
    assert policy["ingress"] == [{"ports": [{"port": 8080, "protocol": "TCP"}]}]


def test_two_leader_elected_replicas_spread_over_nodes_with_a_disruption_budget() -> None:
    deployment = manifest("Deployment", NAME, NAMESPACE)
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": 1, "maxSurge": 0}
    env = {e["name"]: e for e in container()["env"]}
    assert env["LAYERING_LEADER_ELECT"]["value"] == "true"
    assert env["LAYERING_IDENTITY"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    labels = deployment["spec"]["selector"]["matchLabels"]
    spread = pod_spec()["topologySpreadConstraints"]
    assert [(s["topologyKey"], s["maxSkew"], s["labelSelector"]["matchLabels"]) for s in spread] == [
        ("kubernetes.io/hostname", 1, labels)]
    pdb = manifest("PodDisruptionBudget", NAME, NAMESPACE)["spec"]
    assert pdb == {"minAvailable": 1, "selector": {"matchLabels": labels}}
    lease = manifest("Lease", NAME, NAMESPACE)
    assert "spec" not in lease  # the holder is the replicas' to write; apply never resets it
