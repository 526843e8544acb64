"""Map a request path to a resource type, namespace, name and subresource."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ApiError
from ..resources import ResourceType, lookup


@dataclass(frozen=True)
class Route:
    rt: ResourceType
    namespace: str | None  # None: cluster-scoped, or all namespaces for a namespaced type
    name: str | None = None
    subresource: str | None = None

    @property
    def is_collection(self) -> bool:
        return self.name is None


def not_found_path() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def _group_version(parts: list[str]) -> tuple[str, str, list[str]] | None:
    if len(parts) >= 2 and parts[0] == "api":
        return "", parts[1], parts[2:]
    if len(parts) >= 3 and parts[0] == "apis":
        return parts[1], parts[2], parts[3:]
    return None


def route(path: str) -> Route | None:
    """A Route for a resource path; None when the path is not a resource path (discovery etc.).

    Raises 404 for a resource path naming an unknown resource or subresource.
    """
    parts = [p for p in path.split("/") if p]
    split = _group_version(parts)
    if split is None or not split[2]:
        return None
    group, version, rest = split
    namespace: str | None = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        candidate = lookup(group, rest[2])
        if candidate is not None and candidate.namespaced:
            namespace, rest = rest[1], rest[2:]
    rt = lookup(group, rest[0], version)
    if rt is None or rt.version != version or len(rest) > 3:
        raise not_found_path()
    name = rest[1] if len(rest) >= 2 else None
    subresource = rest[2] if len(rest) == 3 else None
    if subresource and not (subresource == "status" and rt.status_subresource) \
            and subresource not in rt.extra_subresources:
        raise not_found_path()
    return Route(rt, namespace, name, subresource)
