"""Just enough Kubernetes protobuf to read the request bodies kubectl sends that way.

kubectl's typed clients post TokenRequest, SelfSubjectAccessReview and SelfSubjectRulesReview as
`application/vnd.kubernetes.protobuf` and do not fall back to JSON on 415; so do its typed creates
of namespaces, ConfigMaps, Secrets and ServiceAccounts. A body is the magic `k8s\\x00` and a
runtime.Unknown {1: TypeMeta, 2: raw object}; the object's fields are decoded by number (see the
`protobuf:"…"` tags of k8s.io/api core/v1, authorization/v1 and authentication/v1).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from ..errors import ApiError, bad_request

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"
Fields = dict[int, list[Any]]  # field number -> values (int for varints, bytes otherwise)


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(data):
            raise bad_request("truncated protobuf body")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def fields(data: bytes) -> Fields:
    """One message's fields (wire types varint, 64-bit, length-delimited and 32-bit)."""
    out: Fields = {}
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, pos = data[pos:pos + size], pos + size
        else:
            raise bad_request(f"unsupported protobuf wire type {wire}")
        out.setdefault(number, []).append(value)
    return out


def _string(msg: Fields, number: int) -> str:
    values = msg.get(number) or [b""]
    return bytes(values[-1]).decode()


def _message(msg: Fields, number: int) -> Fields | None:
    values = msg.get(number)
    return fields(bytes(values[-1])) if values else None


def unwrap(body: bytes) -> Fields:
    """The object inside the envelope."""
    if not body.startswith(MAGIC):
        raise bad_request("a protobuf body must start with the k8s magic number")
    unknown = fields(body[len(MAGIC):])
    raw = unknown.get(2)
    return fields(bytes(raw[-1])) if raw else {}


def _attributes(msg: Fields | None, names: tuple[str, ...]) -> dict[str, str] | None:
    if msg is None:
        return None
    return {name: _string(msg, i) for i, name in enumerate(names, start=1) if _string(msg, i)}


def access_review(body: bytes) -> dict[str, Any]:
    """SelfSubjectAccessReview {2: spec {1: resourceAttributes, 2: nonResourceAttributes}} as JSON."""
    spec = _message(unwrap(body), 2) or {}
    spec_json: dict[str, Any] = {}
    resource = _attributes(_message(spec, 1), ("namespace", "verb", "group", "version", "resource",
                                               "subresource", "name"))
    non_resource = _attributes(_message(spec, 2), ("path", "verb"))
    if resource is not None:
        spec_json["resourceAttributes"] = resource
    if non_resource is not None:
        spec_json["nonResourceAttributes"] = non_resource
    return {"spec": spec_json}


def rules_review(body: bytes) -> dict[str, Any]:
    """SelfSubjectRulesReview {2: spec {1: namespace}}."""
    spec = _message(unwrap(body), 2) or {}
    return {"spec": {"namespace": _string(spec, 1)}}


def token_request(body: bytes) -> dict[str, Any]:
    """TokenRequest {2: spec {1: audiences (repeated), 4: expirationSeconds}}."""
    spec = _message(unwrap(body), 2) or {}
    out: dict[str, Any] = {}
    audiences = [bytes(a).decode() for a in spec.get(1) or []]
    if audiences:
        out["audiences"] = audiences
    if spec.get(4):
        out["expirationSeconds"] = int(spec[4][-1])
    return {"spec": out}


# ---- typed creates (`kubectl create namespace|configmap|secret|serviceaccount`) ------------------
def _map(msg: Fields, number: int, binary: bool = False) -> dict[str, str]:
    out = {}
    for entry in msg.get(number) or []:
        pair = fields(bytes(entry))
        key = _string(pair, 1)
        value = bytes((pair.get(2) or [b""])[-1])
        out[key] = base64.b64encode(value).decode() if binary else value.decode()
    return out


def _metadata(msg: Fields) -> dict[str, Any]:
    meta = _message(msg, 1) or {}
    out: dict[str, Any] = {k: _string(meta, i) for i, k in ((1, "name"), (2, "generateName"), (3, "namespace"))
                           if _string(meta, i)}
    for number, key in ((11, "labels"), (12, "annotations")):
        if meta.get(number):
            out[key] = _map(meta, number)
    return out


def _flag(msg: Fields, number: int) -> bool | None:
    values = msg.get(number)
    return bool(values[-1]) if values else None


def _config_map(msg: Fields) -> dict[str, Any]:
    out: dict[str, Any] = {"data": _map(msg, 2), "binaryData": _map(msg, 3, binary=True), "immutable": _flag(msg, 4)}
    return {k: v for k, v in out.items() if v}


def _secret(msg: Fields) -> dict[str, Any]:
    out: dict[str, Any] = {"data": _map(msg, 2, binary=True), "type": _string(msg, 3) or "Opaque",
                           "stringData": _map(msg, 4), "immutable": _flag(msg, 5)}
    return {k: v for k, v in out.items() if v}


def _service_account(msg: Fields) -> dict[str, Any]:
    automount = _flag(msg, 4)
    return {} if automount is None else {"automountServiceAccountToken": automount}


_TYPED: dict[str, tuple[str, Callable[[Fields], dict[str, Any]]]] = {
    "Namespace": ("v1", lambda msg: {}),
    "ConfigMap": ("v1", _config_map),
    "Secret": ("v1", _secret),
    "ServiceAccount": ("v1", _service_account),
}


def typed_object(kind: str, body: bytes) -> dict[str, Any]:
    """The JSON form of a protobuf-encoded object of a kind kubectl creates with its typed client."""
    if kind not in _TYPED:
        raise ApiError(415, "UnsupportedMediaType",
                       f"the simulator decodes {MEDIA_TYPE} only for {', '.join(_TYPED)}, not {kind}; send JSON")
    version, decode = _TYPED[kind]
    msg = unwrap(body)
    return {"apiVersion": version, "kind": kind, "metadata": _metadata(msg), **decode(msg)}
