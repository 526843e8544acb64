"""A read-only OCI distribution API (`/v2/…`) over the simulated registry.

Enough for a client to learn whether a digest exists and what an image was built FROM:
`GET /v2/` and `GET|HEAD /v2/<repository>/manifests/<digest or tag>`. Layered images carry the
OCI annotations `org.opencontainers.image.base.name` and `org.opencontainers.image.base.digest`.
The simulated registry serves every repository host (quay.io/…, registry.example.com/…) under
one URL, the way a pull-through mirror does: the repository path is `<host>/<path>`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .registry import Image, Registry

MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
BASE_NAME = "org.opencontainers.image.base.name"
BASE_DIGEST = "org.opencontainers.image.base.digest"

Reply = tuple[int, Any]


class RegistryApi:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def __call__(self, method: str, path: str, query: dict[str, str], body: Any) -> Reply:
        if method not in ("GET", "HEAD"):
            return _error(405, "UNSUPPORTED", "the simulated registry is read-only")
        if path.rstrip("/") == "/v2":
            return 200, {}
        repository, sep, reference = path.removeprefix("/v2/").rpartition("/manifests/")
        if not sep or not repository or not reference:
            return _error(404, "NAME_UNKNOWN", "repository name not known to registry")
        separator = "@" if reference.startswith("sha256:") else ":"
        image = self.registry.lookup(f"{repository}{separator}{reference}")
        if image is None:
            return _error(404, "MANIFEST_UNKNOWN", "manifest unknown", {"Tag": reference})
        return 200, manifest(image, self.registry)


def manifest(image: Image, registry: Registry) -> dict[str, Any]:
    config = json.dumps({"architecture": "amd64", "os": "linux", "label": image.label}).encode()
    body: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": {"mediaType": CONFIG_TYPE, "digest": _sha(config), "size": len(config)},
        "layers": [{"mediaType": LAYER_TYPE, "digest": _sha(image.digest.encode()), "size": 1 << 30}],
    }
    base = registry.lookup(image.base) if image.base else None
    if image.base:
        body["annotations"] = {BASE_NAME: image.base, BASE_DIGEST: base.digest if base else ""}
    return body


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _error(code: int, kind: str, message: str, detail: Any = None) -> Reply:
    return code, {"errors": [{"code": kind, "message": message, "detail": detail}]}
