"""Render: selection, order, merge rules, names and the errors that make a pool RenderDegraded."""

from __future__ import annotations

from typing import Any

import pytest

from mcosim.mco.render import BaseImages, RenderError, render
from mcosim.mco.templates import pool_object, template_configs

BASE = BaseImages("4.16.3", "quay.io/base@sha256:" + "1" * 64, "quay.io/ext@sha256:" + "2" * 64)
IMAGE = "quay.io/my-registry/x@sha256:" + "3" * 64
ROLE = "machineconfiguration.openshift.io/role"


def mc(name: str, role: str, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": {ROLE: role}}, "spec": spec}


def base_mcs() -> list[dict[str, Any]]:
    return template_configs("worker", BASE.os_image, BASE.extensions_image) + template_configs(
        "master", BASE.os_image, BASE.extensions_image
    )


def test_same_content_same_name_and_override_changes_it() -> None:
    pool = pool_object("worker")
    name1, rendered, sources = render(pool, base_mcs(), BASE)
    name2, _, _ = render(pool, list(reversed(base_mcs())), BASE)
    assert (
        name1 == name2 and name1.startswith("rendered-worker-") and len(name1) == len("rendered-worker-") + 32
    )
    assert [s["metadata"]["name"] for s in sources] == [
        "00-worker",
        "01-worker-container-runtime",
        "01-worker-kubelet",
        "99-worker-generated-registries",
        "99-worker-ssh",
    ]
    assert rendered["spec"]["osImageURL"] == BASE.os_image
    assert (
        "machineconfiguration.openshift.io/os-image-url-overridden" not in rendered["metadata"]["annotations"]
    )
    assert rendered["metadata"]["ownerReferences"][0]["kind"] == "MachineConfigPool"
    name3, layered, _ = render(
        pool, [*base_mcs(), mc("99-layering-worker", "worker", osImageURL=IMAGE)], BASE
    )
    assert name3 != name1 and layered["spec"]["osImageURL"] == IMAGE
    assert (
        layered["metadata"]["annotations"]["machineconfiguration.openshift.io/os-image-url-overridden"]
        == "true"
    )


def test_merge_rules() -> None:
    extra = [
        mc(
            "50-a",
            "worker",
            kernelArguments=["a=1"],
            extensions=["usbguard"],
            fips=False,
            kernelType="realtime",
            config={"ignition": {"version": "3.4.0"}, "storage": {"files": [{"path": "/etc/x", "mode": 1}]}},
        ),
        mc(
            "60-b",
            "worker",
            kernelArguments=["b=2"],
            extensions=["kerberos"],
            fips=True,
            kernelType="default",
            config={"ignition": {"version": "3.2.0"}, "storage": {"files": [{"path": "/etc/x", "mode": 2}]}},
        ),
    ]
    _, rendered, _ = render(pool_object("worker"), base_mcs() + extra, BASE)
    spec = rendered["spec"]
    assert spec["kernelArguments"] == ["a=1", "b=2"] and spec["extensions"] == ["usbguard", "kerberos"]
    assert spec["fips"] is True and spec["kernelType"] == "realtime"
    files = {f["path"]: f for f in spec["config"]["storage"]["files"]}
    assert files["/etc/x"]["mode"] == 2 and spec["config"]["ignition"]["version"] == "3.4.0"


def test_custom_pool_inherits_worker_and_its_own_mc_wins() -> None:
    mcs = [
        *base_mcs(),
        mc("99-z-worker-image", "worker", osImageURL=IMAGE),
        mc("10-canary-image", "canary", osImageURL="quay.io/canary@sha256:" + "4" * 64),
    ]
    _, rendered, sources = render(pool_object("canary"), mcs, BASE)
    names = [s["metadata"]["name"] for s in sources]
    assert names[-1] == "10-canary-image" and "99-z-worker-image" in names and "00-master" not in names
    assert rendered["spec"]["osImageURL"].startswith("quay.io/canary@")
    _, worker, _ = render(pool_object("worker"), mcs, BASE)
    assert worker["spec"]["osImageURL"] == IMAGE


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (mc("99-x", "worker", kernelType="turbo"), "kernelType=turbo is invalid"),
        (mc("99-x", "worker", extensions=["vim"]), "invalid extensions found: [vim]"),
        (
            mc("99-x", "worker", extensions=["kernel-devel"], kernelType="realtime"),
            "installing kernel-devel extension is not supported with kernelType: realtime",
        ),
    ],
)
def test_invalid_content_fails_to_render(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(RenderError, match=message.replace("[", r"\[").replace("]", r"\]")):
        render(pool_object("worker"), [*base_mcs(), extra], BASE)


def test_no_matching_mc_fails_to_render() -> None:
    with pytest.raises(RenderError, match="no MachineConfigs found matching selector"):
        render(pool_object("infra"), template_configs("master", BASE.os_image, BASE.extensions_image), BASE)
