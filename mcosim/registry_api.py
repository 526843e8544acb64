"""A read-only OCI distribution API (`/v2/…`) over the simulated registry.

Enough for a client to learn whether a digest exists and what an image was built FROM:
`GET /v2/`, `GET|HEAD /v2/<repository>/manifests/<digest or tag>` and `GET /v2/<repository>/blobs/<config
digest>` (labels `ostree.bootable` and `version`, the RHCOS build an image inherits from its base).
Layered images carry the OCI annotations `org.opencontainers.image.base.name` and
`org.opencontainers.image.base.digest`.
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
        if "/blobs/" in path:
            return self._blob(path.rpartition("/blobs/")[2])
        repository, sep, reference = path.removeprefix("/v2/").rpartition("/manifests/")
        if not sep or not repository or not reference:
            return _error(404, "NAME_UNKNOWN", "repository name not known to registry")
        separator = "@" if reference.startswith("sha256:") else ":"
        image = self.registry.lookup(f"{repository}{separator}{reference}")
        if image is None:
            return _error(404, "MANIFEST_UNKNOWN", "manifest unknown", {"Tag": reference})
        return 200, manifest(image, self.registry)


    def _blob(self, digest: str) -> Reply:
        """Image configs only (layers are never pulled through this API)."""
        for image in list(self.registry.images.values()):
            config = config_blob(image, self.registry)
            if _sha(config) == digest:
                return 200, json.loads(config)
        return _error(404, "BLOB_UNKNOWN", "blob unknown to registry", {"digest": digest})


def config_blob(image: Image, registry: Registry) -> bytes:
    """The image config, with the labels RHCOS images carry (`version` is inherited from the base)."""
    labels = {"ostree.bootable": "true", "version": rhcos_version(image, registry)}
    doc = {"architecture": "amd64", "os": "linux", "config": {"Labels": labels}, "label": image.label}
    return json.dumps(doc, sort_keys=True).encode()


def rhcos_version(image: Image, registry: Registry) -> str:
    current: Image | None = image
    for _ in range(8):  # base chains are short; a loop in the data is not followed forever
        if current is None:
            break
        if current.release and current.release in registry.releases:
            return registry.releases[current.release].rhcos_version
        current = registry.lookup(current.base) if current.base else None
    return ""


def manifest(image: Image, registry: Registry) -> dict[str, Any]:
    config = config_blob(image, registry)
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
