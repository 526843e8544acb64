"""Checking one document against its JSON Schema, with each error placed at its YAML node."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

from jsonschema import ValidationError

from reconciler.intent.document import BINDING, POLICY, POLICY_FILE, Document, expected_kind
from reconciler.intent.fields import (
    dns_label_problem,
    duration_problem,
    image_problem,
    object_name_problem,
    registry_prefix_problem,
)
from reconciler.intent.problems import NodePath, Problems, excerpt
from reconciler.intent.schemas import load_schema, validators
from reconciler.model import API_VERSION

__all__ = ["BINDING", "POLICY", "POLICY_FILE", "expected_kind", "validate_document"]
_VALIDATORS = validators()
_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "number": "a number",
}


def _pattern_checks() -> dict[str, Callable[[str], str | None]]:
    """Readable messages for each `pattern` of the schemas (keyed by the pattern text)."""
    defs = {
        **load_schema("poolimagebinding.schema.json")["$defs"],
        **load_schema("layeringpolicy.schema.json")["$defs"],
    }
    by_def = {
        "objectName": object_name_problem,
        "dnsLabel": dns_label_problem,
        "imageReference": image_problem,
        "duration": duration_problem,
        "registryPrefix": registry_prefix_problem,
    }
    return {defs[name]["pattern"]: check for name, check in by_def.items()}


_PATTERN_CHECKS = _pattern_checks()


def validate_document(doc: Document, problems: Problems) -> bool:
    """True when the document is a valid binding or policy in the right file; else problems added."""
    data, expected = doc.data, expected_kind(doc.path)
    if not isinstance(data, dict):
        problems.add(doc.path, doc.line, doc.column, f"expected a {expected} mapping, got {_describe(data)}")
        return False
    if not _kind_fits(doc, expected, problems):
        return False
    errors = list(_VALIDATORS[expected].iter_errors(data))
    for error in errors:
        for node, key, message in _translate(error):
            problems.at(doc.path, data, node, message, key=key)
    return not errors


def _kind_fits(doc: Document, expected: str, problems: Problems) -> bool:
    kind = doc.data.get("kind")
    if kind == expected:
        return True
    if kind is None:
        message = f"missing required field 'kind' (expected kind: {expected})"
        problems.add(doc.path, doc.line, doc.column, message)
    elif kind == POLICY:
        problems.at(
            doc.path, doc.data, ["kind"], "a LayeringPolicy belongs in layering.yaml, not under bindings/"
        )
    elif kind == BINDING:
        problems.at(doc.path, doc.data, ["kind"], "PoolImageBinding documents belong under bindings/")
    else:
        problems.at(
            doc.path, doc.data, ["kind"], f"kind must be {expected} ({API_VERSION}), got {_describe(kind)}"
        )
    return False


def _translate(error: ValidationError) -> list[tuple[NodePath, bool, str]]:
    """(node path, at the key?, message) for one schema error; unknown fields give one each."""
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extras = [k for k in error.instance if k not in allowed]
        return [([*path, extra], True, _unknown_field(path, str(extra), allowed)) for extra in extras]
    if error.validator == "required":
        match = re.match(r"'(.+)' is a required property", error.message)
        missing = match.group(1) if match else error.message
        return [(path, False, f"missing required field '{_dotted([*path, missing])}'")]
    if "propertyNames" in error.schema_path:  # the instance is a key of the mapping at `path`
        return [(path, False, f"{_dotted(path)}: key {excerpt(error.instance)} {_reason(error)}")]
    return [(path, False, f"{_dotted(path)}: {_reason(error)}")]


def _reason(error: ValidationError) -> str:
    value, rule = error.instance, error.validator_value
    if error.validator == "type":
        return f"must be {_TYPE_WORDS.get(str(rule), rule)}, got {_describe(value)}"
    if error.validator == "enum":
        return f"must be one of {', '.join(map(str, rule))}, got {_describe(value)}"
    if error.validator == "const":
        return f"must be {rule}, got {_describe(value)}"
    if error.validator == "minimum":
        return f"must be {rule} or more, got {value}"
    if error.validator == "maximum":
        return f"must be {rule} or less, got {excerpt(value)}"
    if error.validator == "minLength":
        return "must not be empty"
    if error.validator == "maxLength":
        return f"must be at most {rule} characters long"
    if error.validator == "uniqueItems":
        return "lists the same entry twice"
    if error.validator == "pattern":
        check = _PATTERN_CHECKS.get(str(rule))
        return (check(str(value)) if check else None) or f"{excerpt(value)} does not match {rule}"
    return str(error.message)


def _unknown_field(path: list[Any], name: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
    return f"unknown field '{_dotted([*path, name])}' ({hint})"


def _dotted(path: list[Any]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "document"


def _describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"{type(value).__name__.removeprefix('Scalar').lower()} {value}"
    if isinstance(value, str):
        return f"string {excerpt(value)}"
    return (
        "a mapping"
        if isinstance(value, dict)
        else "a list"
        if isinstance(value, list)
        else type(value).__name__
    )
