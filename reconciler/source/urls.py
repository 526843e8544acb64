"""Telling URLs from paths, and removing credentials before anything is shown or logged."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit, urlunsplit

_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9._-]+:(?!//)")
_URL_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]*)@")


def is_url(source: str) -> bool:
    """`scheme://…` or scp-like `user@host:path`; anything else is a local path."""
    return "://" in source or bool(_SCP_LIKE.match(source))


def is_ssh_url(source: str) -> bool:
    """`ssh://…`, `git+ssh://…`, `ssh+git://…` or scp-like `user@host:path`: fetched by the ssh program."""
    scheme = source.split("://", 1)[0].lower() if "://" in source else ""
    return "ssh" in scheme.split("+") if scheme else bool(_SCP_LIKE.match(source))


def redact(url: str) -> str:
    """The URL without passwords, tokens or query strings, fit for messages and cache keys.

    `https://user:tok@host/x?access_token=t` -> `https://host/x`. An ssh user name without a
    password (`ssh://git@host/x`, `git@host:x`) is not a secret and is kept. Control characters
    are escaped (`\\n`), so a message naming the source stays on one line.
    """
    if not url.isprintable():  # shown on one line: escape line breaks and control characters
        url = "".join(c if c.isprintable() else repr(c)[1:-1] for c in url)
    if "://" not in url:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        keep_user = parts.scheme.startswith("ssh") and ":" not in userinfo
        netloc = f"{userinfo}@{host}" if keep_user else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove URL credentials and the given secret strings from free text (git's stderr)."""
    cleaned = _URL_USERINFO.sub(lambda m: m.group("scheme"), text)
    for secret in secrets:
        if secret:
            cleaned = cleaned.replace(secret, "***")
    return cleaned


def cache_key(url: str) -> str:
    """A stable directory name for the cache clone of this URL (credentials never part of it)."""
    return hashlib.sha256(redact(url).encode()).hexdigest()[:24]


def http_base(url: str) -> str | None:
    """`https://host/` for an http(s) URL (the scope of an auth header), else None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    host = parts.netloc.rsplit("@", 1)[-1]
    return f"{parts.scheme}://{host}/"
