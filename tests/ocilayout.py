"""OCI image layouts built from scratch (small gzip layers, real config labels, multi-arch indexes).

What `skopeo copy oci:DIR:TAG docker://…` reads: `oci-layout`, `index.json` and `blobs/sha256/…`.
Every blob is deterministic, so a test knows the digest of what it pushes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
REF_NAME = "org.opencontainers.image.ref.name"


@dataclass(frozen=True)
class Image:
    """One platform image: a one-file layer and a config carrying `labels`."""

    labels: dict[str, str]
    arch: str = "amd64"
    annotations: dict[str, str] = field(default_factory=dict)
    content: str = "layered content\n"


class Layout:
    def __init__(self, path: Path) -> None:
        self.path = path
        (path / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        (path / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
        self._tags: list[dict[str, Any]] = []

    def blob(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        (self.path / "blobs" / "sha256" / digest).write_bytes(data)
        return f"sha256:{digest}"

    def _descriptor(self, media_type: str, data: bytes, **extra: Any) -> dict[str, Any]:
        return {"mediaType": media_type, "digest": self.blob(data), "size": len(data), **extra}

    def manifest(self, image: Image) -> dict[str, Any]:
        """Write one image's blobs; returns the manifest's descriptor."""
        tar = _tar(image.content)
        layer = gzip.compress(tar, mtime=0)
        config = {
            "architecture": image.arch,
            "os": "linux",
            "config": {"Labels": image.labels},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]},
        }
        body: dict[str, Any] = {
            "schemaVersion": 2,
            "mediaType": MANIFEST,
            "config": self._descriptor(CONFIG, _json(config)),
            "layers": [self._descriptor(LAYER, layer)],
        }
        if image.annotations:
            body["annotations"] = image.annotations
        return self._descriptor(MANIFEST, _json(body), platform={"architecture": image.arch, "os": "linux"})

    def add(self, tag: str, image: Image) -> str:
        """An image under `tag`; returns its manifest digest."""
        descriptor = self.manifest(image)
        descriptor.pop("platform")
        self._tag(tag, descriptor)
        return str(descriptor["digest"])

    def add_index(self, tag: str, images: list[Image]) -> str:
        """A multi-arch manifest list under `tag`; returns the index digest."""
        body = {"schemaVersion": 2, "mediaType": INDEX, "manifests": [self.manifest(i) for i in images]}
        descriptor = self._descriptor(INDEX, _json(body))
        self._tag(tag, descriptor)
        return str(descriptor["digest"])

    def _tag(self, tag: str, descriptor: dict[str, Any]) -> None:
        self._tags.append({**descriptor, "annotations": {REF_NAME: tag}})
        index = {"schemaVersion": 2, "mediaType": INDEX, "manifests": self._tags}
        (self.path / "index.json").write_bytes(_json(index))


def _json(doc: object) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def _tar(content: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        data = content.encode()
        info = tarfile.TarInfo("etc/layering-test")
        info.size, info.mtime, info.mode = len(data), 0, 0o644
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
