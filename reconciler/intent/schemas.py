"""The JSON Schema files: loading the installed copies, and building the combined editor schema.

`schema/` at the top of the project holds the files people and editors use; `reconciler/intent/
schema/` holds identical copies that ship in the wheel (a test keeps them equal). Regenerate the
combined schema and the copies with `python -m reconciler.intent.schemas PROJECT_DIR`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from reconciler.model import API_VERSION

SCHEMA_DIR = Path(__file__).parent / "schema"
FILES = {"PoolImageBinding": "poolimagebinding.schema.json", "LayeringPolicy": "layeringpolicy.schema.json"}
COMBINED_FILE = "bindings.schema.json"
COMBINED_ID = "https://layering.gitops.dev/schemas/v1alpha1/bindings.schema.json"


def load_schema(filename: str, directory: Path = SCHEMA_DIR) -> dict[str, Any]:
    with open(directory / filename, encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def validators() -> dict[str, Draft202012Validator]:
    return {kind: Draft202012Validator(load_schema(name)) for kind, name in FILES.items()}


def combined_schema(by_kind: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One schema for any document of the repository (editors apply it to each YAML document)."""
    defs: dict[str, Any] = {}
    for kind, schema in by_kind.items():
        for name, definition in schema.get("$defs", {}).items():
            if defs.setdefault(name, definition) != definition:
                raise ValueError(f"$defs/{name} differs between the schemas")
        body = {k: v for k, v in schema.items() if k not in ("$schema", "$id", "$defs")}
        defs[kind] = body
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": COMBINED_ID,
        "title": "Bindings repository document",
        "description": f"A {API_VERSION} PoolImageBinding (bindings/*.yaml) or LayeringPolicy"
        " (layering.yaml).",
        "$comment": "Editors: put `# yaml-language-server: $schema=<path to this file>` atop a YAML file.",
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"title": "Kind", "enum": sorted(by_kind)}},
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
                "then": {"$ref": f"#/$defs/{kind}"},
            }
            for kind in sorted(by_kind)
        ],
        "$defs": defs,
    }


def dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def sync(project: Path) -> list[Path]:
    """Write schema/bindings.schema.json and every copy from the two source schemas in schema/."""
    source = project / "schema"
    by_kind = {kind: load_schema(name, source) for kind, name in FILES.items()}
    combined = dump(combined_schema(by_kind))
    written = [source / COMBINED_FILE, project / "example-repo" / ".schema" / COMBINED_FILE]
    for target in written:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(combined, encoding="utf-8")
    for name in [*FILES.values(), COMBINED_FILE]:
        (SCHEMA_DIR / name).write_text((source / name).read_text(encoding="utf-8"), encoding="utf-8")
        written.append(SCHEMA_DIR / name)
    return written


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    for path in sync(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(path)
