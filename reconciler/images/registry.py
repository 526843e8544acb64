"""Reads image manifests and configs over the OCI distribution API.

`GET /v2/<name>/manifests/<digest>` says whether a digest exists and, for a manifest list, which
platforms it offers; `GET /v2/<name>/blobs/<config digest>` gives the labels (`version`,
`ostree.bootable`) and architecture. Authentication is what registries do: a 401 with
`WWW-Authenticate: Bearer realm=…,service=…,scope=…` is answered by asking the realm for a token
(with the registry's basic credentials when an auth file has them, else anonymously); a `Basic`
challenge is answered with the credentials. A mirror URL serves every registry host under one
address as `<mirror>/v2/<host>/<path>/…`. Found images are cached for the life of the inspector
(digests are immutable). No credential or token ever reaches a message.
"""

from __future__ import annotations

import json
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

from reconciler.images.auth import AuthFile, Credential
from reconciler.model import ImageInfo
from reconciler.records import record

INDEX_TYPES = ("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json")
MANIFEST_TYPES = ("application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json")
ACCEPT = ", ".join((*MANIFEST_TYPES, *INDEX_TYPES))
BASE_NAME = "org.opencontainers.image.base.name"
BASE_DIGEST = "org.opencontainers.image.base.digest"
Mirrors = tuple[tuple[str, tuple[str, ...]], ...]  # (source repository prefix, its mirrors in order)
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024  # manifests and configs are small; refuse anything larger


@record
class Endpoint:
    """Where one image's repository is served: `<base>/v2/<repository>/…`, credentials by `scope_key`."""

    base: str
    repository: str
    digest: str

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.base).netloc

    @property
    def scope_key(self) -> str:
        return f"{self.host}/{self.repository}"


def endpoint(ref: str, mirror: str | None = None) -> Endpoint:
    name, _, digest = ref.partition("@")
    host, _, path = name.partition("/")
    if mirror:
        return Endpoint(mirror.rstrip("/"), f"{host}/{path}", digest)
    return Endpoint(f"https://{host}", path, digest)


def mirrored_refs(ref: str, mirrors: Mirrors) -> list[str]:
    """`ref` at each mirror whose source is a prefix of its repository (ImageDigestMirrorSet rules)."""
    name, _, digest = ref.partition("@")
    found = []
    for source, targets in mirrors:
        if name == source or name.startswith(source.rstrip("/") + "/"):
            rest = name[len(source.rstrip("/")):]
            found += [f"{target.rstrip('/')}{rest}@{digest}" for target in targets]
    return list(dict.fromkeys(found))


def manifest_url(ref: str, mirror: str | None = None) -> str:
    """`quay.io/org/img@sha256:…` → `https://quay.io/v2/org/img/manifests/sha256:…` (or via the mirror)."""
    where = endpoint(ref, mirror)
    return f"{where.base}/v2/{where.repository}/manifests/{where.digest}"


class RegistryInspector:
    def __init__(self, mirror: str | None = None, timeout: float = 10.0, auth: AuthFile | None = None,
                 ca_file: Path | None = None, mirrors: Mirrors = ()) -> None:
        self.mirror = mirror
        self._mirrors = mirrors
        self.timeout = timeout
        self._auth = auth or AuthFile()
        self._context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=self._context), _SameHostAuthRedirects())
        self._tokens: dict[tuple[str, str, str], str] = {}
        self._found: dict[str, ImageInfo] = {}

    def inspect(self, ref: str) -> ImageInfo:
        """What the registry says about `ref`; its cluster mirrors are asked when the registry is unreachable."""
        if ref in self._found:
            return self._found[ref]
        info, unreachable = self._inspect_at(ref, endpoint(ref, self.mirror))
        if unreachable:
            for mirrored in mirrored_refs(ref, self._mirrors):
                attempt, down = self._inspect_at(ref, endpoint(mirrored))
                if not down:
                    info = replace(attempt, served_by=mirrored.partition("@")[0])
                    break
        if info.found and not info.error:
            self._found[ref] = info
        return info

    def _inspect_at(self, ref: str, where: Endpoint) -> tuple[ImageInfo, bool]:
        """(what `where` says, whether it could not be reached at all)."""
        try:
            return self._inspect(ref, where), False
        except _NotFound:
            return ImageInfo(ref, found=False), False
        except (OSError, ValueError) as exc:  # URLError, timeouts, TLS, bad JSON
            unreachable = isinstance(exc, urllib.error.URLError | TimeoutError | ConnectionError) and not \
                isinstance(getattr(exc, "reason", None), ssl.SSLError)
            return ImageInfo(ref, error=_describe(exc, where.host)), unreachable

    def _inspect(self, ref: str, where: Endpoint) -> ImageInfo:
        top = self._json(where, f"manifests/{where.digest}")
        manifest, platforms = top, list[str]()
        if top.get("mediaType") in INDEX_TYPES or "manifests" in top:
            platforms = _platforms(top)
            child = _pick_child(top)
            manifest = self._json(where, f"manifests/{child}")
        config = self._config(where, manifest)
        annotations = {**(top.get("annotations") or {}), **(manifest.get("annotations") or {})}
        labels = (config.get("config") or {}).get("Labels") or {}
        arch = str(config.get("architecture") or "")
        return ImageInfo(
            ref,
            base_name=str(annotations.get(BASE_NAME, "")),
            base_digest=str(annotations.get(BASE_DIGEST, "")),
            labels=tuple(sorted((str(k), str(v)) for k, v in labels.items())),
            architectures=tuple(platforms) if platforms else ((arch,) if arch else ()),
            multi_arch=bool(platforms),
            config_read=True,
        )

    def _config(self, where: Endpoint, manifest: dict[str, Any]) -> dict[str, Any]:
        digest = (manifest.get("config") or {}).get("digest")
        if not isinstance(digest, str) or not digest.startswith("sha256:"):
            raise ValueError("the manifest names no image config")
        try:
            return self._json(where, f"blobs/{digest}")
        except _NotFound:
            raise ValueError(f"the image config {digest} is missing from the registry") from None

    # ---- HTTP with the registry's authentication ---------------------------------------------
    def _json(self, where: Endpoint, tail: str) -> dict[str, Any]:
        url = f"{where.base}/v2/{where.repository}/{tail}"
        credential = self._auth.lookup(where.scope_key)
        try:
            return self._get(url, None)
        except urllib.error.HTTPError as exc:
            exc.close()  # the error is the reply: release its connection
            if exc.code != 401:
                raise _classify(exc, where.host, credential) from None
            authorization = self._answer(exc.headers.get("WWW-Authenticate", ""), where, credential)
        try:
            return self._get(url, authorization)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise _classify(exc, where.host, credential) from None

    def _get(self, url: str, authorization: str | None) -> dict[str, Any]:
        request = urllib.request.Request(url, headers={"Accept": ACCEPT})
        if authorization:
            request.add_header("Authorization", authorization)
        with self._opener.open(request, timeout=self.timeout) as reply:
            body = json.loads(reply.read(MAX_DOCUMENT_BYTES + 1)[:MAX_DOCUMENT_BYTES])
        if not isinstance(body, dict):
            raise ValueError("the registry answered with something other than a JSON document")
        return body

    def _answer(self, challenge: str, where: Endpoint, credential: Credential | None) -> str:
        scheme = challenge.split(" ", 1)[0].lower()
        if scheme == "basic":
            if credential is None:
                raise OSError(f"{where.host} requires credentials; none for it in the registry auth file")
            return credential.basic_header()
        if scheme != "bearer":
            raise OSError(f"{where.host} asked for an unsupported authentication scheme")
        return f"Bearer {self._token(challenge, where, credential)}"

    def _token(self, challenge: str, where: Endpoint, credential: Credential | None) -> str:
        params = dict(_CHALLENGE.findall(challenge))
        realm = params.pop("realm", "")
        scope = params.get("scope") or f"repository:{where.repository}:pull"
        key = (realm, params.get("service", ""), scope)
        if key in self._tokens:
            return self._tokens[key]
        if not realm.startswith("https://") and not realm.startswith("http://127."):
            raise ValueError(f"{where.host} asked for authentication at an unusable address")
        query = urllib.parse.urlencode({**params, "scope": scope})
        request = urllib.request.Request(f"{realm}?{query}")
        if credential is not None:
            request.add_header("Authorization", credential.basic_header())
        try:
            with self._opener.open(request, timeout=self.timeout) as reply:
                body = json.loads(reply.read(MAX_DOCUMENT_BYTES))
        except urllib.error.HTTPError as exc:
            exc.close()
            what = "refused the credentials" if credential else "refused an anonymous token"
            raise OSError(f"the token service of {where.host} {what} ({exc.code})") from None
        token = str(body.get("token") or body.get("access_token") or "") if isinstance(body, dict) else ""
        if not token:
            raise ValueError(f"the token service of {where.host} returned no token")
        self._tokens[key] = token
        return token


class _SameHostAuthRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects (blob storage), but never carry the Authorization header to another host."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urllib.parse.urlsplit(newurl).netloc != urllib.parse.urlsplit(req.full_url).netloc:
            new.headers.pop("Authorization", None)
            new.unredirected_hdrs.pop("Authorization", None)
        return new


def _platforms(index: dict[str, Any]) -> list[str]:
    found = []
    for entry in index.get("manifests") or ():
        platform = entry.get("platform") or {}
        arch = str(platform.get("architecture") or "")
        if arch and arch != "unknown" and arch not in found:  # "unknown" marks attestations
            found.append(arch)
    return found


def _pick_child(index: dict[str, Any]) -> str:
    """The amd64 manifest when offered (labels are per build, the same on every architecture), else the first."""
    entries = [e for e in index.get("manifests") or () if isinstance(e.get("digest"), str)]
    if not entries:
        raise ValueError("the manifest list is empty")
    amd64 = [e for e in entries if (e.get("platform") or {}).get("architecture") == "amd64"]
    return str((amd64 or entries)[0]["digest"])


class _NotFound(Exception):
    pass


def _classify(exc: urllib.error.HTTPError, host: str, credential: Credential | None) -> Exception:
    if exc.code == 404:
        return _NotFound()
    if exc.code in (401, 403):
        if credential is None:
            return OSError(f"{host} requires credentials ({exc.code}); none for it in the registry auth file")
        return OSError(f"{host} refused the credentials ({exc.code})")
    return OSError(f"{host} answered {exc.code} {exc.reason}")


def _describe(exc: Exception, host: str) -> str:
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, ssl.SSLCertVerificationError):
            return f"registry {host}: TLS certificate not trusted ({reason.verify_message}); see --registry-ca-file"
        return f"registry unreachable ({reason})"
    return str(exc) or type(exc).__name__
