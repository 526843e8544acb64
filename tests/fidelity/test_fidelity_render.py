"""Render controller: Ignition versions, validation, reconcilability, merge details and their texts."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from fidelity_kit import apply, condition, mc, rendered, target

from mcosim import Simulator
from mcosim.mco import constants as c
from mcosim.resources import EVENTS

WRAP = "Failed to render configuration for pool worker: could not generate rendered MachineConfig: "
SUPPORTED_416 = "Supported spec versions: 2.2, 3.0, 3.1, 3.2, 3.3, 3.4"


@pytest.mark.parametrize(("release", "version"), [("4.16.3", "3.4.0"), ("4.18.1", "3.4.0"), ("4.19.0", "3.5.0")])
def test_rendered_ignition_version(make_sim: Callable[..., Simulator], release: str, version: str) -> None:
    """Rendered configs carry the newest Ignition spec the release's MCO supports.

    Source: openshift/machine-config-operator release-4.16 and release-4.18 pkg/controller/common/helpers.go
    (ign3types = ignition config/v3_4), release-4.19 (ign3types = config/v3_5).
    """
    sim = make_sim(release)
    assert rendered(sim)["config"]["ignition"]["version"] == version


def test_unknown_ignition_version_makes_the_pool_render_degraded(make_sim: Callable[..., Simulator]) -> None:
    """Ignition 3.9.0: RenderDegraded "…parsing Ignition config failed: unknown version…", target unchanged.

    Source: openshift/machine-config-operator release-4.16 pkg/controller/common/helpers.go (IgnParseWrapper),
    pkg/controller/render/render_controller.go (syncGeneratedMachineConfig wraps with "could not generate
    rendered MachineConfig", syncFailingStatus prefixes "Failed to render configuration for pool").
    """
    sim = make_sim()
    before = target(sim)
    apply(sim, mc("99-future", config={"ignition": {"version": "3.9.0"}}))
    degraded = condition(sim, "RenderDegraded")
    assert degraded["status"] == "True"
    assert degraded["message"] == f"{WRAP}parsing Ignition config failed: unknown version. {SUPPORTED_416}"
    assert target(sim) == before and condition(sim, "Degraded")["status"] == "True"


def test_empty_ignition_version_is_invalid(make_sim: Callable[..., Simulator]) -> None:
    """A config without a version cannot be parsed: "invalid version" (an MC with no config at all is fine).

    Source: openshift/machine-config-operator release-4.16 pkg/controller/common/helpers.go (IgnParseWrapper,
    ErrInvalidVersion) and ValidateMachineConfig (a nil config is skipped).
    """
    sim = make_sim()
    apply(sim, mc("99-kargs-only", kernelArguments=["nosmt"]))
    assert condition(sim, "RenderDegraded")["status"] == "False"
    apply(sim, mc("99-empty", config={"storage": {"files": []}}))
    message = condition(sim, "RenderDegraded")["message"]
    assert message == f"{WRAP}parsing Ignition config failed: invalid version. {SUPPORTED_416}"


def test_render_errors_are_not_wrapped_before_4_16(make_sim: Callable[..., Simulator]) -> None:
    """4.14 and 4.15 report the bare render error after the pool prefix.

    Source: openshift/machine-config-operator release-4.15 pkg/controller/render/render_controller.go
    (syncGeneratedMachineConfig returns the error unwrapped).
    """
    sim = make_sim("4.15.20")
    apply(sim, mc("99-future", config={"ignition": {"version": "3.9.0"}}))
    assert condition(sim, "RenderDegraded")["message"] == (
        f"Failed to render configuration for pool worker: parsing Ignition config failed: unknown version. "
        f"{SUPPORTED_416}"
    )


def test_ignition_2_2_is_converted(make_sim: Callable[..., Simulator]) -> None:
    """A spec 2.2 MC renders: converted to spec 3 (files lose `filesystem`), not refused.

    Source: openshift/machine-config-operator release-4.16 pkg/controller/common/helpers.go
    (ParseAndConvertConfig, convertIgnition22to34).
    """
    sim = make_sim()
    data = "data:," + "x"
    v2 = {
        "ignition": {"version": "2.2.0"},
        "storage": {"files": [{"filesystem": "root", "path": "/etc/v2", "mode": 420, "contents": {"source": data}}]},
    }
    apply(sim, mc("99-v2", config=v2))
    assert condition(sim, "RenderDegraded")["status"] == "False"
    files = {f["path"]: f for f in rendered(sim)["config"]["storage"]["files"]}
    assert "filesystem" not in files["/etc/v2"] and files["/etc/v2"]["contents"]["source"] == data


def test_file_overwrite_defaults_to_true(make_sim: Callable[..., Simulator]) -> None:
    """Files without `overwrite` render with overwrite: true; an explicit false is kept.

    Source: openshift/machine-config-operator release-4.16 pkg/controller/common/helpers.go (MergeMachineConfigs).
    """
    sim = make_sim()
    source = "data:text/plain;base64," + base64.b64encode(b"x").decode()
    config = {
        "ignition": {"version": "3.2.0"},
        "storage": {
            "files": [
                {"path": "/etc/a", "contents": {"source": source}},
                {"path": "/etc/b", "overwrite": False, "contents": {"source": source}},
            ]
        },
    }
    apply(sim, mc("99-files", config=config))
    files = {f["path"]: f for f in rendered(sim)["config"]["storage"]["files"]}
    assert files["/etc/a"]["overwrite"] is True and files["/etc/b"]["overwrite"] is False


def test_extensions_concatenate_and_the_extensions_image_can_be_overridden(
    make_sim: Callable[..., Simulator],
) -> None:
    """Extensions are concatenated in merge order (duplicates kept); the last MC setting
    baseOSExtensionsContainerImage wins over the release's.

    Source: openshift/machine-config-operator release-4.16 pkg/controller/common/helpers.go (MergeMachineConfigs).
    """
    sim = make_sim()
    ext_image = "quay.io/my-registry/extensions@sha256:" + "e" * 64
    apply(sim, mc("50-a", extensions=["usbguard", "kerberos"]))
    apply(sim, mc("60-b", extensions=["usbguard"], baseOSExtensionsContainerImage=ext_image))
    spec = rendered(sim)
    assert spec["extensions"] == ["usbguard", "kerberos", "usbguard"]
    assert spec["baseOSExtensionsContainerImage"] == ext_image


def test_invalid_kernel_type_text(make_sim: Callable[..., Simulator]) -> None:
    """Source: openshift/machine-config-operator release-4.16 pkg/controller/common/helpers.go
    (ValidateMachineConfig: "kernelType=%s is invalid")."""
    sim = make_sim()
    apply(sim, mc("99-kt", kernelType="turbo"))
    assert condition(sim, "RenderDegraded")["message"] == f"{WRAP}kernelType=turbo is invalid"


@pytest.mark.parametrize(
    ("release", "extension", "valid"),
    [
        ("4.16.3", "sysstat", False),
        ("4.18.1", "sysstat", True),
        ("4.18.1", "two-node-ha", False),
        ("4.19.0", "two-node-ha", True),
        ("4.16.3", "wasm", True),
    ],
)
def test_extension_allow_list_by_release(
    make_sim: Callable[..., Simulator], release: str, extension: str, valid: bool
) -> None:
    """Source: openshift/machine-config-operator release-4.16/4.18/4.19 pkg/controller/common/helpers.go
    (SupportedExtensions: sysstat from 4.18, two-node-ha from 4.19) and ValidateMachineConfigExtensions."""
    sim = make_sim(release)
    apply(sim, mc("99-ext", extensions=[extension]))
    degraded = condition(sim, "RenderDegraded")
    assert (degraded["status"] == "False") is valid
    if not valid:
        assert degraded["message"] == f"{WRAP}invalid extensions found: [{extension}]"


def test_kernel_devel_needs_the_default_kernel(make_sim: Callable[..., Simulator]) -> None:
    """Source: openshift/machine-config-operator release-4.16 pkg/controller/common/helpers.go (MergeMachineConfigs)."""
    sim = make_sim()
    apply(sim, mc("99-rt", kernelType="realtime", extensions=["kernel-devel"]))
    assert condition(sim, "RenderDegraded")["message"] == (
        f"{WRAP}installing kernel-devel extension is not supported with kernelType: realtime"
    )


def test_fips_change_is_refused_at_render_from_4_16(make_sim: Callable[..., Simulator]) -> None:
    """Turning FIPS on in a running cluster: RenderDegraded naming the current config and the MC.

    Source: openshift/machine-config-operator release-4.16 pkg/controller/render/render_controller.go
    (generateAndValidateRenderedMachineConfig) and pkg/controller/common/reconcile.go (isConfigReconcilable).
    """
    sim = make_sim()
    before = target(sim)
    apply(sim, mc("99-fips", fips=True))
    assert condition(sim, "RenderDegraded")["message"] == (
        f'{WRAP}reconciliation failed between current config "{before}" and base config "99-fips": '
        "detected change to FIPS flag; refusing to modify FIPS on a running cluster"
    )
    assert target(sim) == before


def test_generated_by_controller_annotation_from_another_version_is_refused(
    make_sim: Callable[..., Simulator],
) -> None:
    """An MC carrying another controller version's generated-by-controller-version annotation stops the
    render; one carrying this controller's version renders like the MCO's own templates.

    Source: openshift/machine-config-operator release-4.16 pkg/controller/render/render_controller.go
    (generateRenderedMachineConfig: "Ignoring MC %s generated by older version %s (my version: %s)").
    """
    sim = make_sim()
    apply(sim, mc("99-same", annotations={c.GENERATED_BY: c.CONTROLLER_VERSION}, kernelArguments=["a=1"]))
    assert condition(sim, "RenderDegraded")["status"] == "False"
    apply(sim, mc("99-copied", annotations={c.GENERATED_BY: "0123abc"}, kernelArguments=["b=2"]))
    assert condition(sim, "RenderDegraded")["message"] == (
        f"{WRAP}Ignoring MC 99-copied generated by older version 0123abc (my version: {c.CONTROLLER_VERSION})"
    )


def test_rendered_config_event_names_release_and_controller(make_sim: Callable[..., Simulator]) -> None:
    """Source: openshift/machine-config-operator release-4.16 pkg/controller/render/render_controller.go
    (RenderedConfigGenerated "%s successfully generated (release version: %s, controller version: %s)")."""
    sim = make_sim()
    apply(sim, mc("99-kargs", kernelArguments=["nosmt"]))
    messages = [e["message"] for e in sim.store.items(EVENTS) if e["reason"] == "RenderedConfigGenerated"]
    assert (
        f"{target(sim)} successfully generated (release version: 4.16.3, controller version: "
        f"{c.CONTROLLER_VERSION})" in messages
    )


def test_custom_pool_merge_order_and_source_order(make_sim: Callable[..., Simulator]) -> None:
    """A custom pool merges worker-role MCs first, then its own (its MC wins even when it sorts first by
    name); `spec.configuration.source` lists the MCs by name.

    Source: openshift/machine-config-operator release-4.16 pkg/controller/common/helpers.go
    (MergeMachineConfigs: workerConfigs then otherConfigs) and pkg/controller/render/render_controller.go
    (mcs sorted by name; getMachineConfigRefs).
    """
    from mcosim.resources import POOLS

    sim = make_sim(pools={"canary": 1})
    canary_image = "quay.io/my-registry/canary@sha256:" + "c" * 64
    apply(sim, mc("99-z-worker-image", osImageURL="quay.io/my-registry/worker@sha256:" + "d" * 64))
    apply(sim, mc("10-canary-image", role="canary", osImageURL=canary_image))
    assert rendered(sim, "canary")["osImageURL"] == canary_image
    names = [s["name"] for s in sim.store.get(POOLS, "canary")["spec"]["configuration"]["source"]]
    assert names == sorted(names) and names[0] == "00-worker" and "10-canary-image" in names
