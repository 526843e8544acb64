"""Typed access to what the official kubernetes client returns, for tests under mypy --strict.

Its models declare every field Optional and CustomObjectsApi declares `object` for the JSON dicts it
returns; these helpers narrow once, failing the test if the server left out what it must send."""

from __future__ import annotations

from typing import Any, Protocol

from kubernetes import client


class _Object(Protocol):
    @property
    def metadata(self) -> client.V1ObjectMeta | None: ...


class _List(Protocol):
    @property
    def metadata(self) -> client.V1ListMeta | None: ...


def meta(obj: _Object) -> client.V1ObjectMeta:
    assert obj.metadata is not None, f"{type(obj).__name__} without metadata"
    return obj.metadata


def name_of(obj: _Object) -> str:
    name = meta(obj).name
    assert name is not None, f"{type(obj).__name__} without metadata.name"
    return name


def list_meta(listed: _List) -> client.V1ListMeta:
    assert listed.metadata is not None, f"{type(listed).__name__} without metadata"
    return listed.metadata


def node_info(node: client.V1Node) -> client.V1NodeSystemInfo:
    assert node.status is not None and node.status.node_info is not None, f"node {name_of(node)} without nodeInfo"
    return node.status.node_info


def as_dict(obj: object) -> dict[str, Any]:
    """A CustomObjectsApi result: the JSON object the API server sent."""
    assert isinstance(obj, dict), f"expected a JSON object, got {type(obj).__name__}"
    return obj
