"""The schema files: valid JSON Schema, copies identical, combined schema accepts the example repo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from reconciler.intent.schemas import COMBINED_FILE, FILES, SCHEMA_DIR, combined_schema, dump, load_schema

ROOT = Path(__file__).resolve().parents[3]
ALL_FILES = [*FILES.values(), COMBINED_FILE]


@pytest.mark.parametrize("name", ALL_FILES)
def test_installed_copy_matches_schema_dir(name: str) -> None:
    hint = "run: python -m reconciler.intent.schemas ."
    assert (SCHEMA_DIR / name).read_text() == (ROOT / "schema" / name).read_text(), hint


def test_combined_schema_is_generated_from_the_two() -> None:
    by_kind = {kind: load_schema(name, ROOT / "schema") for kind, name in FILES.items()}
    expected = dump(combined_schema(by_kind))
    assert (ROOT / "schema" / COMBINED_FILE).read_text() == expected
    assert (ROOT / "example-repo" / ".schema" / COMBINED_FILE).read_text() == expected


@pytest.mark.parametrize("name", ALL_FILES)
def test_schema_is_valid_and_documented(name: str) -> None:
    schema = json.loads((ROOT / "schema" / name).read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(name) and schema["title"] and schema["description"]


def _undocumented(node: object, where: str = "") -> list[str]:
    missing: list[str] = []
    if isinstance(node, dict):
        for key, sub in node.get("properties", {}).items():
            if not (sub.get("description") and sub.get("title")):
                missing.append(f"{where}.{key}")
        for key, sub in node.items():
            missing.extend(_undocumented(sub, f"{where}/{key}"))
    return missing


def test_every_field_has_title_and_description() -> None:
    for name in FILES.values():
        assert _undocumented(json.loads((ROOT / "schema" / name).read_text())) == [], name


def test_example_repo_documents_pass_the_combined_schema_and_reference_it() -> None:
    validator = Draft202012Validator(json.loads((ROOT / "schema" / COMBINED_FILE).read_text()))
    files = sorted((ROOT / "example-repo").rglob("*.yaml"))
    assert files
    for path in files:
        first_line = path.read_text().splitlines()[0]
        relative = first_line.split("$schema=", 1)[1]
        assert (path.parent / relative).resolve() == (ROOT / "example-repo" / ".schema" / COMBINED_FILE)
        for document in YAML(typ="safe").load_all(path.read_text()):
            assert list(validator.iter_errors(document)) == [], path


def test_combined_schema_rejects_unknown_field_for_each_kind() -> None:
    validator = Draft202012Validator(json.loads((ROOT / "schema" / COMBINED_FILE).read_text()))
    binding: dict[str, Any] = {
        "apiVersion": "layering.gitops.dev/v1alpha1",
        "kind": "PoolImageBinding",
        "metadata": {"name": "x"},
    }
    binding["spec"] = {"pool": "worker", "osImageURL": "quay.io/x/y@sha256:" + "a" * 64, "typo": 1}
    policy = {**binding, "kind": "LayeringPolicy", "spec": {"bakeTim": "10m"}}
    assert list(validator.iter_errors(binding)) and list(validator.iter_errors(policy))
    binding["spec"].pop("typo")
    assert not list(validator.iter_errors(binding))
