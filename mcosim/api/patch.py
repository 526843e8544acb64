"""PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and a strategic-merge subset."""

from __future__ import annotations

import copy
from typing import Any

from ..errors import ApiError, bad_request

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
CUSTOM_PATCH_TYPES = (JSON_PATCH, MERGE, APPLY)

# list fields that strategic merge patch merges by a key instead of replacing (the common ones)
STRATEGIC_MERGE_KEYS = {
    "conditions": "type", "containers": "name", "initContainers": "name", "volumes": "name",
    "env": "name", "volumeMounts": "mountPath", "addresses": "type", "ownerReferences": "uid",
    "imagePullSecrets": "name", "images": "names",
}


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, `null` deletes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    """Maps merge, `null` deletes, `$`-directives are dropped, keyed lists merge by their key."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
        elif key in STRATEGIC_MERGE_KEYS and isinstance(value, list) and isinstance(result.get(key), list):
            result[key] = _merge_keyed_list(result[key], value, STRATEGIC_MERGE_KEYS[key])
        else:
            result[key] = strategic_merge_patch(result.get(key), value)
    return result


def _merge_keyed_list(current: list[Any], patch: list[Any], key: str) -> list[Any]:
    merged = copy.deepcopy(current)
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            return copy.deepcopy(patch)  # not a keyed list after all: replace
        matching = (i for i, old in enumerate(merged) if isinstance(old, dict) and old.get(key) == item[key])
        index = next(matching, None)
        if item.get("$patch") == "delete":
            if index is not None:
                merged.pop(index)
        elif index is None:
            merged.append(strategic_merge_patch({}, item))
        else:
            merged[index] = strategic_merge_patch(merged[index], item)
    return merged


# ---- JSON patch ----------------------------------------------------------------------------------
def _invalid_patch(message: str) -> ApiError:
    return ApiError(422, "Invalid", message)


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise _invalid_patch(f"the server rejected our request due to an error in our request: "
                             f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str], path: str) -> Any:
    node = doc
    for part in parts[:-1]:
        node = _child(node, part, path)
    return node


def _child(node: Any, part: str, path: str) -> Any:
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    raise _invalid_patch(f"the server rejected our request due to an error in our request: "
                         f"path {path!r} does not exist")


def _add(doc: Any, path: str, value: Any) -> Any:
    parts = _pointer(path)
    if not parts:
        return value
    parent, last = _parent(doc, parts, path), parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list) and (last == "-" or (last.isdigit() and int(last) <= len(parent))):
        parent.insert(len(parent) if last == "-" else int(last), value)
    else:
        raise _invalid_patch(f"the server rejected our request due to an error in our request: "
                             f"cannot add at {path!r}")
    return doc


def _remove(doc: Any, path: str) -> tuple[Any, Any]:
    parts = _pointer(path)
    if not parts:
        raise _invalid_patch("the server rejected our request due to an error in our request: "
                             "cannot remove the root")
    parent, last = _parent(doc, parts, path), parts[-1]
    removed = _child(parent, last, path)
    if isinstance(parent, dict):
        del parent[last]
    else:
        parent.pop(int(last))
    return doc, removed


def json_patch(target: Any, ops: Any) -> Any:
    if not isinstance(ops, list):
        raise bad_request("json patch body must be a list of operations")
    doc = copy.deepcopy(target)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise bad_request(f"invalid json patch operation: {op!r}")
        doc = _apply_op(doc, op)
    return doc


def _apply_op(doc: Any, op: dict[str, Any]) -> Any:
    kind, path = op["op"], op["path"]
    if kind == "add":
        return _add(doc, path, copy.deepcopy(op.get("value")))
    if kind == "remove":
        return _remove(doc, path)[0]
    if kind == "replace":
        doc = _remove(doc, path)[0] if _pointer(path) else doc
        return _add(doc, path, copy.deepcopy(op.get("value")))
    if kind in ("move", "copy"):
        source = op.get("from", "")
        if kind == "move":
            doc, value = _remove(doc, source)
        else:
            value = copy.deepcopy(_resolve(doc, source))
        return _add(doc, path, value)
    if kind == "test":
        if _resolve(doc, path) != op.get("value"):
            raise _invalid_patch(f"the server rejected our request due to an error in our request: "
                                 f"testing value {path} failed")
        return doc
    raise bad_request(f"unknown json patch operation {kind!r}")


def _resolve(doc: Any, path: str) -> Any:
    node = doc
    for part in _pointer(path):
        node = _child(node, part, path)
    return node


def unsupported_media(custom: bool) -> ApiError:
    """What a real API server answers to a patch type it does not accept (strategic merge on a CR)."""
    accepted = CUSTOM_PATCH_TYPES if custom else (*CUSTOM_PATCH_TYPES, STRATEGIC)
    return ApiError(415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types include: "
                    + ", ".join(accepted))


def apply_patch(content_type: str, target: Any, body: Any, custom: bool) -> Any:
    """The patched object for a PATCH of this content type (server-side apply merges like a merge patch)."""
    if content_type == JSON_PATCH:
        return json_patch(target, body)
    if not isinstance(body, dict):
        raise bad_request(f"a {content_type} body must be a JSON object")
    if content_type in (MERGE, APPLY):
        return merge_patch(target, body)
    if content_type == STRATEGIC and not custom:
        return strategic_merge_patch(target, body)
    raise unsupported_media(custom)
