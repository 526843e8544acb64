"""Reads image manifests over the OCI distribution API (`GET /v2/<name>/manifests/<digest>`).

Public registries need an anonymous bearer token (the `WWW-Authenticate: Bearer realm=…` dance);
a mirror URL serves every registry host under one address as `<mirror>/v2/<host>/<path>/…`.
Digests are immutable, so answers for found images are cached for the life of the inspector.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from reconciler.model import ImageInfo

ACCEPT = ", ".join((
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
))
BASE_NAME = "org.opencontainers.image.base.name"
BASE_DIGEST = "org.opencontainers.image.base.digest"
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')


def manifest_url(ref: str, mirror: str | None = None) -> str:
    """`quay.io/org/img@sha256:…` → `https://quay.io/v2/org/img/manifests/sha256:…` (or via the mirror)."""
    name, _, digest = ref.partition("@")
    host, _, path = name.partition("/")
    if mirror:
        return f"{mirror.rstrip('/')}/v2/{host}/{path}/manifests/{digest}"
    return f"https://{host}/v2/{path}/manifests/{digest}"


class RegistryInspector:
    def __init__(self, mirror: str | None = None, timeout: float = 10.0) -> None:
        self.mirror = mirror
        self.timeout = timeout
        self._found: dict[str, ImageInfo] = {}

    def inspect(self, ref: str) -> ImageInfo:
        if ref in self._found:
            return self._found[ref]
        try:
            manifest = self._get_manifest(manifest_url(ref, self.mirror))
        except _NotFound:
            return ImageInfo(ref, found=False)
        except (OSError, ValueError) as exc:  # URLError, timeouts, bad JSON
            return ImageInfo(ref, error=_describe(exc))
        annotations = manifest.get("annotations") or {}
        info = ImageInfo(ref, base_name=annotations.get(BASE_NAME, ""), base_digest=annotations.get(BASE_DIGEST, ""))
        self._found[ref] = info
        return info

    def _get_manifest(self, url: str) -> dict[str, Any]:
        try:
            return self._fetch(url, None)
        except urllib.error.HTTPError as exc:
            exc.close()  # the error is the reply: release its connection
            challenge = exc.headers.get("WWW-Authenticate", "") if exc.code == 401 else ""
            if not challenge.lower().startswith("bearer"):
                raise _classify(exc) from None
        token = self._anonymous_token(challenge)
        try:
            return self._fetch(url, token)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise _classify(exc) from None

    def _fetch(self, url: str, token: str | None) -> dict[str, Any]:
        request = urllib.request.Request(url, headers={"Accept": ACCEPT})
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=self.timeout) as reply:
            body = json.loads(reply.read())
        if not isinstance(body, dict):
            raise ValueError("the registry answered with something other than a manifest")
        return body

    def _anonymous_token(self, challenge: str) -> str:
        params = dict(_CHALLENGE.findall(challenge))
        realm = params.pop("realm", "")
        if not realm.startswith("https://") and not realm.startswith("http://127."):
            raise ValueError("the registry asked for authentication at an unusable address")
        with urllib.request.urlopen(f"{realm}?{urllib.parse.urlencode(params)}", timeout=self.timeout) as reply:
            body = json.loads(reply.read())
        return str(body.get("token") or body.get("access_token") or "")


class _NotFound(Exception):
    pass


def _classify(exc: urllib.error.HTTPError) -> Exception:
    if exc.code == 404:
        return _NotFound()
    return OSError(f"registry answered {exc.code} {exc.reason}")


def _describe(exc: Exception) -> str:
    if isinstance(exc, urllib.error.URLError):
        return f"registry unreachable ({exc.reason})"
    return str(exc) or type(exc).__name__
