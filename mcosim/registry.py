"""The simulated container registry: which OS images exist, what they were built from, what they ship.

The default content is `data/images.json` (shared with example-repo/ and the tests). An image is
addressed by `repo@sha256:<64 hex>` or `repo:tag`; a digest the registry does not know fails the
way `rpm-ostree rebase` reports a missing manifest.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

_DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")


class PullError(Exception):
    """The image cannot be pulled; the message is what rpm-ostree would print on stderr."""


@dataclass(frozen=True)
class Image:
    repository: str
    digest: str
    tags: tuple[str, ...] = ()
    base: str | None = None  # reference of the image this one was built FROM; None for release images
    packages: tuple[str, ...] = ()
    realtime: bool = False
    release: str | None = None
    label: str = ""

    @property
    def ref(self) -> str:
        return f"{self.repository}@{self.digest}"

    def ships(self, package: str) -> bool:
        """Whether an RPM named `package` (any version) is in the image."""
        pattern = re.compile(re.escape(package) + r"(-\d|$)")
        return any(pattern.match(p) for p in self.packages)


@dataclass(frozen=True)
class Release:
    version: str
    base: Image
    extensions: Image
    rhcos_version: str
    kernel: str
    kubelet: str
    crio: str


def label_digest(label: str) -> str:
    return "sha256:" + hashlib.sha256(label.encode()).hexdigest()


def split_ref(ref: str) -> tuple[str, str | None, str | None]:
    """`repo@sha256:…` → (repo, None, digest); `repo:tag` → (repo, tag, None); bare repo → tag latest."""
    if "@" in ref:
        repo, digest = ref.split("@", 1)
        return repo, None, digest
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1 :], None
    return ref, "latest", None


@dataclass
class Registry:
    images: dict[tuple[str, str], Image] = field(default_factory=dict)  # (repo, digest) → image
    tags: dict[tuple[str, str], str] = field(default_factory=dict)  # (repo, tag) → digest
    releases: dict[str, Release] = field(default_factory=dict)
    failing: set[str] = field(default_factory=set)  # digests whose pull fails on demand
    fail_all: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def default(cls) -> Registry:
        data = json.loads(resources.files("mcosim").joinpath("data/images.json").read_text())
        registry = cls()
        by_label: dict[str, Image] = {}
        for entry in data["images"]:
            image = _image_from_entry(entry, by_label)
            by_label[entry["label"]] = image
            registry.put(image)
        for version, rel in data["releases"].items():
            registry.releases[version] = Release(
                version,
                by_label[rel["base"]],
                by_label[rel["extensions"]],
                rel["rhcos_version"],
                rel["kernel"],
                rel["kubelet"],
                rel["crio"],
            )
        return registry

    # ---- content -----------------------------------------------------------------------------
    def put(self, image: Image) -> Image:
        with self._lock:
            self.images[(image.repository, image.digest)] = image
            for tag in image.tags:
                self.tags[(image.repository, tag)] = image.digest
        return image

    def add(
        self, ref: str, *, base: str | None = None, packages: tuple[str, ...] = (), realtime: bool = False
    ) -> Image:
        """Make `ref` pullable: a digest-pinned ref under that digest, a tag ref under a generated one."""
        repo, tag, digest = split_ref(ref)
        if digest is None:
            digest = label_digest(f"{repo}:{tag}")
        if not _DIGEST_RE.match(digest):
            raise ValueError(f"{ref}: a digest must look like sha256:<64 hex>")
        known = self.images.get((repo, digest))
        tags = tuple(sorted({*(known.tags if known else ()), *((tag,) if tag else ())}))
        return self.put(Image(repo, digest, tags, base, packages, realtime, label=ref))

    def move_tag(self, repository: str, tag: str, digest: str) -> None:
        """Point `repository:tag` at another digest (what re-pushing a tag does)."""
        with self._lock:
            if (repository, digest) not in self.images:
                raise KeyError(f"{repository}@{digest} is not in the registry")
            self.tags[(repository, tag)] = digest

    def release(self, version: str) -> Release:
        """A release by version; one the data file does not list gets made-up images of its own."""
        if version not in self.releases:
            if not re.match(r"^4\.\d+\.\d+$", version):
                raise KeyError(f"unknown release {version}; known: {', '.join(sorted(self.releases))}")
            self.releases[version] = self._synthesize(version)
        return self.releases[version]

    def _synthesize(self, version: str) -> Release:
        minor, patch = (int(x) for x in version.split(".")[1:])
        repo = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
        kernel = f"5.14.0-{284 + 71 * max(0, minor - 14)}.{patch}.1.el9_{2 + max(0, minor - 14) // 2}.x86_64"
        kubelet = f"v1.{minor + 13}.{patch}"
        base = self.put(Image(repo, label_digest(f"base-{version}"), release=version, label=f"base-{version}",
                              packages=(f"kernel-{kernel.removesuffix('.x86_64')}",)))
        ext = self.put(Image(repo, label_digest(f"ext-{version}"), release=version, label=f"ext-{version}",
                             packages=("usbguard-1.0.0-15.el9", "kernel-devel-" + kernel.removesuffix(".x86_64"))))
        return Release(version, base, ext, f"4{minor}.94.2024{minor:02d}{patch:02d}0000-0", kernel, kubelet,
                       f"cri-o://1.{minor + 13}.{patch}-1.rhaos4.{minor}.el9")

    # ---- pulls ---------------------------------------------------------------------------------
    def lookup(self, ref: str) -> Image | None:
        """The image a reference names right now, without pull faults; None when unknown."""
        repo, tag, digest = split_ref(ref)
        if digest is None:
            digest = self.tags.get((repo, tag or "latest"))
            if digest is None:
                return None
        return self.images.get((repo, digest))

    def pull(self, ref: str) -> Image:
        """Resolve a reference as a pull would; raise PullError with rpm-ostree-like stderr."""
        repo, tag, digest = split_ref(ref)
        image = self.lookup(ref)
        if image is None:
            what = digest or tag
            raise PullError(
                f"error: Creating importer: failed to invoke method OpenImage: failed to invoke method "
                f"OpenImage: reading manifest {what} in {repo}: manifest unknown"
            )
        if self.fail_all or image.digest in self.failing:
            raise PullError(
                f"error: Creating importer: failed to invoke method OpenImage: failed to invoke method "
                f"OpenImage: pinging container registry {repo.split('/')[0]}: Get "
                f'"https://{repo.split("/")[0]}/v2/": dial tcp: i/o timeout'
            )
        return image

    def set_failing(self, ref: str | None, failing: bool = True) -> None:
        """Make pulls of one image (by ref or bare digest) fail, or all pulls when ref is None."""
        if ref is None:
            self.fail_all = failing
            return
        digest = ref if ref.startswith("sha256:") else split_ref(ref)[2]
        if digest is None:
            image = self.lookup(ref)
            if image is None:
                raise KeyError(f"{ref} is not in the registry")
            digest = image.digest
        (self.failing.add if failing else self.failing.discard)(digest)

    def describe(self) -> list[dict[str, Any]]:
        tags_by_digest: dict[tuple[str, str], list[str]] = {}
        for (repo, tag), digest in self.tags.items():
            tags_by_digest.setdefault((repo, digest), []).append(tag)
        return [
            {
                "ref": img.ref,
                "tags": sorted(tags_by_digest.get(key, [])),
                "base": img.base,
                "packages": list(img.packages),
                "realtime": img.realtime,
                "release": img.release,
            }
            for key, img in sorted(self.images.items())
        ]


def _image_from_entry(entry: dict[str, Any], by_label: dict[str, Image]) -> Image:
    base = by_label[entry["from"]].ref if entry.get("from") else None
    return Image(
        repository=entry["repository"],
        digest=label_digest(entry["label"]),
        tags=tuple(entry.get("tags") or ()),
        base=base,
        packages=tuple(entry.get("packages") or ()),
        realtime=bool(entry.get("realtime")),
        release=entry.get("release"),
        label=entry["label"],
    )
