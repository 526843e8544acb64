"""Checks of single values: image references, durations, names, registry prefixes.

Each `*_problem` function returns None for a good value, else a message that says how to fix it.
"""

from __future__ import annotations

import re

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_OBJECT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_HOST = re.compile(
    r"^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*(:[0-9]+)?$"
)
_PATH_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_REGISTRY_PREFIX = re.compile(r"^[a-zA-Z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*/?$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


# ---- durations ----------------------------------------------------------------------------------
def duration_problem(value: str) -> str | None:
    if value and _DURATION.match(value):
        return None
    return (
        f"'{value}' is not a duration; write hours, minutes, seconds in that order, e.g. 90s, 10m, 6h, 1h30m"
    )


def parse_duration(value: str) -> int:
    """Seconds in `1h30m`-style text (already checked by duration_problem)."""
    match = _DURATION.match(value)
    if not value or match is None:
        raise ValueError(duration_problem(value))
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


# ---- names --------------------------------------------------------------------------------------
def dns_label_problem(value: str) -> str | None:
    if len(value) <= 63 and _DNS_LABEL.match(value):
        return None
    return f"'{value}' must be a DNS label: lowercase letters, digits and '-', at most 63 characters"


def object_name_problem(value: str) -> str | None:
    if len(value) <= 253 and _OBJECT_NAME.match(value):
        return None
    rule = "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
    return f"'{value}' must be {rule}"


def registry_prefix_problem(value: str) -> str | None:
    if _REGISTRY_PREFIX.match(value):
        return None
    return f"'{value}' must be a registry host with optional port and path, e.g. quay.io/my-registry/"


def registry_allowed(image: str, prefixes: tuple[str, ...]) -> bool:
    """Empty list = any. A prefix matches whole path components: `quay.io/a` allows `quay.io/a/x`."""
    repository = image.split("@", 1)[0]
    for prefix in prefixes:
        stem = prefix.rstrip("/")
        if repository == stem or repository.startswith(stem + "/"):
            return True
    return not prefixes


# ---- image references ---------------------------------------------------------------------------
def image_problem(value: str) -> str | None:
    """Why `value` is not a digest-pinned, fully qualified image reference, or None."""
    if not value or any(c.isspace() for c in value):
        return f"image reference '{value}' must be non-empty and contain no spaces"
    if "://" in value:
        scheme = value.split("://", 1)[0]
        return (
            f"drop the '{scheme}://' prefix: osImageURL is a plain image reference (registry/repo@sha256:…)"
        )
    name, at, digest = value.partition("@")
    repository, tag = _split_tag(name)
    if not at:
        return _unpinned(value, repository, tag)
    if tag is not None:
        return f"use the digest alone, not a tag and a digest: write {repository}@{digest}"
    return _repository_problem(repository) or _digest_problem(digest)


def _repository_problem(repository: str) -> str | None:
    host, _, path = repository.partition("/")
    if not path or not _HOST.match(host) or not ("." in host or ":" in host or host == "localhost"):
        return f"image reference must start with the registry host, e.g. quay.io/{repository}@sha256:<64 hex>"
    for component in path.split("/"):
        if not _PATH_COMPONENT.match(component):
            if _PATH_COMPONENT.match(component.lower()):
                return f"repository must be lowercase: '{component}' -> '{component.lower()}'"
            return f"invalid repository path component '{component}'"
    return None


def _split_tag(name: str) -> tuple[str, str | None]:
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > last_slash and last_slash != -1:
        return name[:colon], name[colon + 1 :]
    if last_slash == -1 and colon != -1:
        return name[:colon], name[colon + 1 :]
    return name, None


def _digest_problem(digest: str) -> str | None:
    algorithm, _, hex_part = digest.partition(":")
    if algorithm != "sha256":
        return f"digest must be sha256:<64 lowercase hex>, got '{digest}'"
    if len(hex_part) != 64:
        return f"sha256 digest must have 64 hex characters, got {len(hex_part)}"
    if not _HEX64.match(hex_part):
        return "sha256 digest must be lowercase hex (0-9, a-f)"
    return None


def _unpinned(value: str, repository: str, tag: str | None) -> str:
    what = f"tag ':{tag}'" if tag else "no digest"
    return (
        f"image '{value}' is not pinned by digest ({what}); pin it as {repository}@sha256:<64 hex>, "
        f"with the digest from `skopeo inspect docker://{value}` (Digest) or `oc image info {value}`"
    )
