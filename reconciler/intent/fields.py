"""Checks of single values: image references, durations, names, registry prefixes.

Each `*_problem` function returns None for a good value, else a message that says how to fix it.
"""

from __future__ import annotations

import re

from reconciler.intent.problems import excerpt

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_OBJECT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_HOST = re.compile(
    r"^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*(:[0-9]+)?$"
)
_PATH_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_REGISTRY_PREFIX = re.compile(r"^[a-zA-Z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*/?$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


# ---- durations ----------------------------------------------------------------------------------
# Go's time.ParseDuration forms (`1h30m`, `90s`, `1.5h`, units in any order) plus days (`1d`) and a
# bare number of seconds (`90`, `0`), as Argo CD and Flux users write them.
_DURATION = re.compile(r"^(?:\d+|(?:(?:\d+(?:\.\d*)?|\.\d+)[dhms])+)$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([dhms])")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
MAX_DURATION_TEXT = 32
MAX_DURATION_SECONDS = 30 * 86400
MAX_PARSED_SECONDS = 10**40  # more than MAX_DURATION_TEXT digits can say: no range at all
DURATION_EXAMPLES = "90, 90s, 10m, 1h30m, 1.5h, 1d, 0"


def duration_problem(value: str, positive: bool = False, maximum: int = MAX_DURATION_SECONDS) -> str | None:
    """None when `value` is a duration of 0 (1 when `positive`) to `maximum` seconds, else what to write."""
    try:
        seconds = _seconds(value)
    except ValueError as exc:
        return str(exc)
    if positive and seconds <= 0:
        return "must be longer than 0s"
    if seconds > maximum:
        return f"must be at most {format_duration(maximum)}"
    return None


def duration_syntax_problem(value: str) -> str | None:
    """None when `value` is written as a duration, whatever its length."""
    return duration_problem(value, maximum=MAX_PARSED_SECONDS)


def parse_duration(value: str, positive: bool = False, maximum: int = MAX_DURATION_SECONDS) -> int:
    """Whole seconds of a duration (see duration_problem); ValueError with the reason otherwise."""
    problem = duration_problem(value, positive, maximum)
    if problem:
        raise ValueError(problem)
    return _seconds(value)


def _seconds(value: str) -> int:
    if len(value) > MAX_DURATION_TEXT or not _DURATION.fullmatch(value):
        raise ValueError(
            f"{excerpt(value)} is not a duration; write e.g. {DURATION_EXAMPLES} (a bare number is seconds)"
        )
    from fractions import Fraction  # exact `1.5h`; with `decimal`, 3 ms to import for the commands that parse none

    if value.isdigit():
        total = Fraction(int(value))
    else:
        total = sum((Fraction(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(value)), Fraction(0))
    if total.denominator != 1:
        raise ValueError(f"{excerpt(value)} is not a whole number of seconds; write e.g. {DURATION_EXAMPLES}")
    return int(total)


def format_duration(seconds: int) -> str:
    """`1d2h3m4s`-style text for whole seconds (`0s` for zero)."""
    parts = []
    for unit, size in _UNIT_SECONDS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


# ---- names --------------------------------------------------------------------------------------
def dns_label_problem(value: str) -> str | None:
    if len(value) <= 63 and _DNS_LABEL.fullmatch(value):
        return None
    return f"{excerpt(value)} must be a DNS label: lowercase letters, digits and '-', at most 63 characters"


def object_name_problem(value: str) -> str | None:
    if len(value) <= 253 and _OBJECT_NAME.fullmatch(value):
        return None
    rule = "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
    return f"{excerpt(value)} must be {rule}"


def registry_prefix_problem(value: str) -> str | None:
    if _REGISTRY_PREFIX.fullmatch(value):
        return None
    return f"{excerpt(value)} must be a registry host with optional port and path, e.g. quay.io/my-registry/"


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
        return f"image reference {excerpt(value)} must be non-empty and contain no spaces"
    if "://" in value:
        scheme = value.split("://", 1)[0]
        return (
            f"drop the {excerpt(scheme + '://')} prefix: osImageURL is a plain image reference (registry/repo@sha256:…)"
        )
    name, at, digest = value.partition("@")
    repository, tag = _split_tag(name)
    if not at:
        return _unpinned(value, repository, tag)
    if tag is not None:
        return f"use the digest alone, not a tag and a digest: write {excerpt(repository + '@' + digest, 100)}"
    return _repository_problem(repository) or _digest_problem(digest)


def _repository_problem(repository: str) -> str | None:
    host, _, path = repository.partition("/")
    if not path or not _HOST.fullmatch(host) or not ("." in host or ":" in host or host == "localhost"):
        example = f"quay.io/{excerpt(repository, quotes=False)}@sha256:<64 hex>"
        return f"image reference must start with the registry host, e.g. {example}"
    for component in path.split("/"):
        if not _PATH_COMPONENT.fullmatch(component):
            if _PATH_COMPONENT.fullmatch(component.lower()):
                return f"repository must be lowercase: {excerpt(component)} -> {excerpt(component.lower())}"
            return f"invalid repository path component {excerpt(component)}"
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
        return f"digest must be sha256:<64 lowercase hex>, got {excerpt(digest)}"
    if len(hex_part) != 64:
        return f"sha256 digest must have 64 hex characters, got {len(hex_part)}"
    if not _HEX64.fullmatch(hex_part):
        return "sha256 digest must be lowercase hex (0-9, a-f)"
    return None


def _unpinned(value: str, repository: str, tag: str | None) -> str:
    what = f"tag {excerpt(':' + tag)}" if tag else "no digest"
    shown, stem = excerpt(value, 120, quotes=False), excerpt(repository, 120, quotes=False)
    return (
        f"image '{shown}' is not pinned by digest ({what}); pin it as {stem}@sha256:<64 hex>, "
        f"with the digest from `skopeo inspect docker://{shown}` (Digest) or `oc image info {shown}`"
    )
