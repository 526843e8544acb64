"""Validation of MachineConfigs and names, as the CRD schemas and the API server do it."""

from __future__ import annotations

import pytest

from mcosim.api.validation import check_unknown_fields, validate
from mcosim.errors import ApiError
from mcosim.resources import MACHINE_CONFIGS, NAMESPACES, NODES, POOLS


def mc(name: str = "99-worker", **spec: object) -> dict[str, object]:
    return {"metadata": {"name": name}, "spec": spec}


def causes(rt: object, obj: dict[str, object]) -> list[tuple[str, str]]:
    with pytest.raises(ApiError) as err:
        validate(rt, obj)  # type: ignore[arg-type]
    assert err.value.code == 422
    return [(c["field"], c["message"]) for c in err.value.details["causes"]]  # type: ignore[index]


VALID_SPEC: dict[str, object] = {
    "osImageURL": "quay.io/a@sha256:" + "0" * 64, "kernelArguments": None, "extensions": ["usbguard"],
    "fips": False, "kernelType": "realtime", "config": {},
}


def machine_config(spec: dict[str, object]) -> dict[str, object]:
    return {"metadata": {"name": "99-worker"}, "spec": dict(spec)}


def test_valid_machine_configs_pass() -> None:
    obj = machine_config(VALID_SPEC)
    validate(MACHINE_CONFIGS, obj)  # raises ApiError when invalid
    assert obj == machine_config(VALID_SPEC)  # validation never rewrites the object


@pytest.mark.parametrize("field", ["osImageURL", "extensions", "fips", "kernelType"])
def test_each_field_of_the_valid_machine_config_is_checked(field: str) -> None:
    """The valid object above passes because each of its fields is checked, not because none is."""
    broken = {**VALID_SPEC, field: 7 if field != "fips" else "no"}
    assert [f for f, _ in causes(MACHINE_CONFIGS, machine_config(broken))] == [f"spec.{field}"]


def test_type_errors_read_like_the_crd_schema() -> None:
    assert causes(MACHINE_CONFIGS, mc(osImageURL=1)) == [
        ("spec.osImageURL",
         'Invalid value: "integer": spec.osImageURL in body must be of type string: "integer"')]
    assert [f for f, _ in causes(MACHINE_CONFIGS, mc(fips=None, kernelArguments=[1]))] == [
        "spec.kernelArguments[0]", "spec.fips"]
    bad_pool = {"metadata": {"name": "w"}, "spec": {"paused": "no", "maxUnavailable": []}}
    assert [f for f, _ in causes(POOLS, bad_pool)] == ["spec.paused", "spec.maxUnavailable"]
    validate(POOLS, {"metadata": {"name": "w"}, "spec": {"maxUnavailable": "10%"}})


def test_names_must_be_dns_subdomains_or_labels() -> None:
    assert causes(NODES, {"metadata": {"name": "Node_1"}})[0][0] == "metadata.name"
    validate(NODES, {"metadata": {"name": "ip-10-0-1-2.ec2.internal"}})
    assert causes(NAMESPACES, {"metadata": {"name": "a.b"}})[0][0] == "metadata.name"
    assert causes(MACHINE_CONFIGS, mc("x" * 254))[0][1].endswith("must be no more than 253 characters")


def test_unknown_spec_fields_strict_warn_ignore() -> None:
    with pytest.raises(ApiError) as err:
        check_unknown_fields(MACHINE_CONFIGS, mc(fipz=True), "Strict")
    assert err.value.code == 400 and 'unknown field "spec.fipz"' in err.value.message
    obj = mc(fipz=True, fips=True)
    assert check_unknown_fields(MACHINE_CONFIGS, obj, "Warn") == ['unknown field "spec.fipz"']
    assert obj["spec"] == {"fips": True}
    assert check_unknown_fields(MACHINE_CONFIGS, mc(fipz=1), "Ignore") == []
    assert check_unknown_fields(POOLS, {"spec": {"anything": 1}}, "Strict") == []
