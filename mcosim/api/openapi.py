"""A minimal OpenAPI v3: enough for kubectl to choose server-side field validation for every kind.

kubectl sends `fieldValidation=Strict` when the group-version document has a PATCH operation
for the kind that lists the `fieldValidation` query parameter. No schemas are served, and no
request bodies (so kubectl never picks strategic merge from OpenAPI for a custom resource).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from ..resources import RESOURCES, ResourceType

Obj = dict[str, Any]

_QUERY_PARAMS = ("dryRun", "fieldManager", "fieldValidation", "force")


def gv_path(group: str, version: str) -> str:
    """`api/v1` or `apis/<group>/<version>`, as the keys of the v3 root."""
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _item_path(rt: ResourceType) -> str:
    scope = "/namespaces/{namespace}" if rt.namespaced else ""
    return f"/{gv_path(rt.group, rt.version)}{scope}/{rt.plural}/{{name}}"


def _operation(rt: ResourceType, verb: str) -> Obj:
    return {
        "operationId": f"{verb}{rt.kind}",
        "x-kubernetes-action": verb,
        "x-kubernetes-group-version-kind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
        "parameters": [{"name": p, "in": "query", "schema": {"type": "string"}} for p in _QUERY_PARAMS],
        "responses": {"200": {"description": "OK"}},
    }


@cache
def gv_document(group: str, version: str) -> bytes | None:
    types = [rt for rt in RESOURCES if rt.group == group and rt.version == version]
    if not types:
        return None
    paths = {_item_path(rt): {"patch": _operation(rt, "patch"), "put": _operation(rt, "put")} for rt in types}
    doc = {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.4"}, "paths": paths,
           "components": {"schemas": {}}}
    return json.dumps(doc, sort_keys=True).encode()


@cache
def root_document() -> bytes:
    paths = {}
    for group, version in sorted({(rt.group, rt.version) for rt in RESOURCES}):
        body = gv_document(group, version) or b""
        digest = hashlib.sha512(body).hexdigest()[:128].upper()
        relative = f"/openapi/v3/{gv_path(group, version)}?hash={digest}"
        paths[gv_path(group, version)] = {"serverRelativeURL": relative}
    return json.dumps({"paths": paths}).encode()


def document_for(path: str) -> bytes | None:
    """The GV document for a request path below `/openapi/v3/`."""
    parts = path.strip("/").split("/")
    if parts[:1] == ["api"] and len(parts) == 2:
        return gv_document("", parts[1])
    if parts[:1] == ["apis"] and len(parts) == 3:
        return gv_document(parts[1], parts[2])
    return None
