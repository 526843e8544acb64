"""Validation of incoming objects the way the API server and the MCO CRD schemas do it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import ApiError, bad_request, invalid
from ..resources import MACHINE_CONFIGS, NAMESPACES, POOLS, ResourceType

Obj = dict[str, Any]

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation "
    "is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


@dataclass(frozen=True)
class FieldType:
    types: tuple[str, ...]  # JSON schema type names accepted
    nullable: bool = False
    items: str | None = None  # type of array items, if checked


# The spec fields of the CRD schemas (openshift/api), with the types their OpenAPI schema declares.
SPEC_SCHEMAS: dict[str, dict[str, FieldType]] = {
    MACHINE_CONFIGS.kind: {
        "config": FieldType(("object",), nullable=True),
        "osImageURL": FieldType(("string",)),
        "baseOSExtensionsContainerImage": FieldType(("string",)),
        "kernelArguments": FieldType(("array",), nullable=True, items="string"),
        "extensions": FieldType(("array",), nullable=True, items="string"),
        "fips": FieldType(("boolean",)),
        "kernelType": FieldType(("string",)),
    },
    POOLS.kind: {
        "machineConfigSelector": FieldType(("object",)),
        "nodeSelector": FieldType(("object",)),
        "paused": FieldType(("boolean",)),
        "maxUnavailable": FieldType(("integer", "string")),
        "configuration": FieldType(("object",)),
        "pinnedImageSets": FieldType(("array",)),
        "osImageStream": FieldType(("object",)),
    },
}


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _type_cause(path: str, value: Any, expected: str) -> tuple[str, str]:
    got = json_type(value)
    return path, f'Invalid value: "{got}": {path} in body must be of type {expected}: "{got}"'


def _field_causes(path: str, value: Any, ftype: FieldType) -> list[tuple[str, str]]:
    if value is None and ftype.nullable:
        return []
    got = json_type(value)
    if got not in ftype.types and not (got == "integer" and "number" in ftype.types):
        return [_type_cause(path, value, ftype.types[0])]
    if ftype.items and isinstance(value, list):
        return [_type_cause(f"{path}[{i}]", item, ftype.items)
                for i, item in enumerate(value) if json_type(item) != ftype.items]
    return []


def _name_causes(rt: ResourceType, name: str) -> list[tuple[str, str]]:
    pattern, message, limit = ((_LABEL, _LABEL_MSG, 63) if rt is NAMESPACES
                               else (_SUBDOMAIN, _SUBDOMAIN_MSG, 253))
    causes = []
    if len(name) > limit:
        causes.append(("metadata.name", f'Invalid value: "{name}": must be no more than {limit} characters'))
    if not pattern.match(name):
        causes.append(("metadata.name", f'Invalid value: "{name}": {message}'))
    return causes


def _spec_causes(rt: ResourceType, obj: Obj) -> list[tuple[str, str]]:
    schema = SPEC_SCHEMAS.get(rt.kind)
    if schema is None or "spec" not in obj:
        return []
    spec = obj["spec"]
    if not isinstance(spec, dict):
        return [_type_cause("spec", spec, "object")]
    causes = []
    for key, ftype in schema.items():
        if key in spec:
            causes += _field_causes(f"spec.{key}", spec[key], ftype)
    return causes


def validate(rt: ResourceType, obj: Obj) -> None:
    """Raise 422 Invalid (with details.causes) for a malformed object; names are only checked if present."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        raise bad_request("metadata must be an object")
    name = meta.get("name")
    causes = _name_causes(rt, name) if isinstance(name, str) and name else []
    causes += _spec_causes(rt, obj)
    if causes:
        raise invalid(rt.kind, rt.group, name or "", causes)


def unknown_spec_fields(rt: ResourceType, obj: Obj) -> list[str]:
    """Spec fields a MachineConfig's schema does not declare (other kinds are not pruned here)."""
    schema = SPEC_SCHEMAS[MACHINE_CONFIGS.kind]
    spec = obj.get("spec")
    if rt is not MACHINE_CONFIGS or not isinstance(spec, dict):
        return []
    return [f"spec.{key}" for key in spec if key not in schema]


def check_unknown_fields(rt: ResourceType, obj: Obj, mode: str) -> list[str]:
    """Like a structural CRD schema: Strict rejects unknown spec fields, otherwise they are pruned.

    Returns the warnings to send (empty under Ignore). Mutates obj (the caller's own copy).
    """
    unknown = unknown_spec_fields(rt, obj)
    if not unknown:
        return []
    if mode == "Strict":
        raise ApiError(400, "BadRequest",
                       "strict decoding error: " + ", ".join(f'unknown field "{f}"' for f in unknown))
    for path in unknown:
        obj["spec"].pop(path.split(".", 1)[1], None)
    return [] if mode == "Ignore" else [f'unknown field "{f}"' for f in unknown]
