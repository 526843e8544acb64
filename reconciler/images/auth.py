"""Registry credentials from a containers `auth.json` / `.dockerconfigjson` (OpenShift's pull secret).

```json
{"auths": {"quay.io": {"auth": "<base64 user:password>"},
           "registry.example.com:5000/team": {"username": "u", "password": "p"}}}
```
Keys are `host[:port][/namespace…]`; the most specific key that prefixes an image's repository wins
(as containers-auth.json(5) says); docker's legacy `https://index.docker.io/v1/` keys are accepted.
Secrets never appear in a repr, a log line or an error message.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import field
from pathlib import Path
from typing import Any

from reconciler.errors import InvalidInput
from reconciler.records import record


@record
class Credential:
    username: str
    password: str = field(repr=False)

    def basic_header(self) -> str:
        return "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()


@record
class AuthFile:
    """Credentials per registry scope; `where` names the file (or secret) in messages."""

    entries: dict[str, Credential] = field(default_factory=dict, repr=False)
    where: str = ""

    @classmethod
    def load(cls, path: Path) -> AuthFile:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(f"{path}: cannot read the registry auth file: {exc.strerror}") from None
        return cls.parse(data, str(path))

    @classmethod
    def parse(cls, data: bytes, where: str) -> AuthFile:
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput(f"{where}: not JSON (expected an auth.json / .dockerconfigjson)") from None
        auths = doc.get("auths") if isinstance(doc, dict) else None
        if not isinstance(auths, dict):
            raise InvalidInput(f"{where}: no \"auths\" object (expected an auth.json / .dockerconfigjson)")
        entries = {}
        for key, entry in auths.items():
            credential = _credential(entry, f"{where}: auths[{key!r}]")
            if credential is not None:
                entries[normalize_key(str(key))] = credential
        return cls(entries, where)

    def merged(self, other: AuthFile) -> AuthFile:
        """These entries, with `other` filling registries this file does not name."""
        return AuthFile({**other.entries, **self.entries}, self.where or other.where)

    def lookup(self, repository: str) -> Credential | None:
        """Credentials for `host[:port]/path/of/repo`: the longest matching key, down to the host."""
        parts = repository.split("/")
        for end in range(len(parts), 0, -1):
            found = self.entries.get("/".join(parts[:end]))
            if found is not None:
                return found
        return None


def normalize_key(key: str) -> str:
    """`https://index.docker.io/v1/` → `index.docker.io`; `quay.io/org/` → `quay.io/org`."""
    key = key.split("://", 1)[-1].rstrip("/")
    return key.removesuffix("/v1").removesuffix("/v2")


def _credential(entry: Any, where: str) -> Credential | None:
    if not isinstance(entry, dict):
        raise InvalidInput(f"{where}: must be an object")
    if entry.get("auth"):
        try:
            decoded = base64.b64decode(str(entry["auth"]), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidInput(f"{where}: \"auth\" is not base64 of user:password") from None
        user, sep, password = decoded.partition(":")
        if not sep:
            raise InvalidInput(f"{where}: \"auth\" is not base64 of user:password")
        return Credential(user, password)
    if entry.get("username") or entry.get("password"):
        return Credential(str(entry.get("username") or ""), str(entry.get("password") or ""))
    return None  # an entry without credentials (e.g. only an identity token) adds nothing
