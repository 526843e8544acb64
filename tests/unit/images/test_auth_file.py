"""Registry credentials from auth.json / .dockerconfigjson: parsing, matching, never shown."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.errors import InvalidInput
from reconciler.images import AuthFile
from reconciler.images.registry import mirrored_refs


def _auth(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def _user(found: AuthFile, repository: str) -> str:
    credential = found.lookup(repository)
    assert credential is not None
    return credential.username


def _file(auths: dict[str, object]) -> AuthFile:
    return AuthFile.parse(json.dumps({"auths": auths}).encode(), "auth.json")


def test_both_entry_forms_and_docker_legacy_keys() -> None:
    found = _file({"quay.io": {"auth": _auth("robot", "pw:with:colons")},
                   "https://index.docker.io/v1/": {"username": "u", "password": "p"},
                   "registry.example.com": {"identitytoken": "only-a-token"}})
    quay = found.lookup("quay.io/org/image")
    assert quay is not None and (quay.username, quay.password) == ("robot", "pw:with:colons")
    docker = found.lookup("index.docker.io/library/busybox")
    assert docker is not None and docker.username == "u"
    assert found.lookup("registry.example.com/x") is None  # a token-only entry adds nothing (yet)


def test_the_most_specific_key_wins() -> None:
    found = _file({"quay.io": {"auth": _auth("host", "1")}, "quay.io/team": {"auth": _auth("team", "2")},
                   "quay.io/team/image": {"auth": _auth("image", "3")}})
    assert [_user(found, r) for r in ("quay.io/other/x", "quay.io/team/y", "quay.io/team/image")] == [
        "host", "team", "image"]
    assert found.lookup("quay.io.evil.example/team/image") is None


def test_secrets_never_in_repr_or_errors() -> None:
    found = _file({"quay.io": {"auth": _auth("robot", "hunter2-secret")}})
    assert "hunter2" not in repr(found) and "hunter2" not in repr(found.lookup("quay.io/x"))
    with pytest.raises(InvalidInput) as bad:
        _file({"quay.io": {"auth": "not base64 hunter2!"}})
    assert "hunter2" not in str(bad.value) and "auth.json: auths['quay.io']" in str(bad.value)


@pytest.mark.parametrize("data", [b"not json", b"[]", b'{"credHelpers": {}}'])
def test_a_file_that_is_not_an_auth_file_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput, match=r"auth\.json / \.dockerconfigjson"):
        AuthFile.parse(data, "pull-secret")


def test_merged_keeps_the_file_first() -> None:
    mine, cluster = _file({"quay.io": {"auth": _auth("mine", "1")}}), _file({"quay.io": {"auth": _auth("c", "2")},
                                                                              "r.io": {"auth": _auth("c", "3")}})
    merged = mine.merged(cluster)
    assert (_user(merged, "quay.io/x"), _user(merged, "r.io/x")) == ("mine", "c")


SEGMENT = st.text(alphabet="abcdefghij-", min_size=1, max_size=6)


@given(path=st.lists(SEGMENT, min_size=1, max_size=5), depth=st.integers(min_value=0, max_value=5))
def test_lookup_returns_the_longest_configured_prefix(path: list[str], depth: int) -> None:
    """Keys for the host and for one prefix of the path: the prefix wins exactly when it covers the path."""
    repository = "/".join(["quay.io", *path])
    prefix = "/".join(["quay.io", *path[:depth]])
    found = _file({"quay.io": {"auth": _auth("host", "x")}, prefix: {"auth": _auth("prefix", "y")}})
    credential = found.lookup(repository)
    assert credential is not None and credential.username == "prefix"
    assert found.lookup("other.io/" + "/".join(path)) is None


def test_mirrored_refs_follow_image_digest_mirror_rules() -> None:
    digest = "sha256:" + "a" * 64
    mirrors = (("quay.io/team", ("mirror.local/team", "backup.local/t")), ("quay.io/other", ("x.local",)))
    assert mirrored_refs(f"quay.io/team/app@{digest}", mirrors) == [
        f"mirror.local/team/app@{digest}", f"backup.local/t/app@{digest}"]
    assert mirrored_refs(f"quay.io/teamx/app@{digest}", mirrors) == []  # a prefix of the name, not the path
