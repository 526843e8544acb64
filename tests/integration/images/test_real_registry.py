"""RegistryInspector against a real registry (CNCF distribution) with TLS, htpasswd and token auth."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from realregistry import BASE_VERSION, OLD_VERSION, PASSWORD, USER, RegistryWorld, auth_file, registry_world

from reconciler.images import AuthFile, RegistryInspector

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryWorld]:
    with registry_world(tmp_path_factory.mktemp("registry")) as started:
        yield started


def inspector(world: RegistryWorld, auth: AuthFile | None = None, **kw: object) -> RegistryInspector:
    return RegistryInspector(auth=world.auth if auth is None else auth, ca_file=world.pki.ca, **kw)  # type: ignore[arg-type]


def test_a_good_multi_arch_image_with_credentials(world: RegistryWorld) -> None:
    info = inspector(world).inspect(world.content.good)
    assert info.found and not info.error, info
    assert info.multi_arch and info.architectures == ("amd64", "arm64")
    assert info.label("ostree.bootable") == "true" and info.label("version") == BASE_VERSION
    assert info.base_name == world.content.base and info.base_digest == world.content.base.rpartition("@")[2]


def test_a_single_manifest_reports_its_config_architecture(world: RegistryWorld) -> None:
    info = inspector(world).inspect(world.content.stale)
    assert info.found and not info.multi_arch and info.architectures == ("amd64",)
    assert info.label("version") == OLD_VERSION


def test_unknown_digest_is_not_found(world: RegistryWorld) -> None:
    info = inspector(world).inspect(world.content.unknown)
    assert not info.found and not info.error


def test_without_credentials_the_registry_says_they_are_required(world: RegistryWorld) -> None:
    info = inspector(world, AuthFile()).inspect(world.content.good)
    assert info.error and "requires credentials" in info.error and info.found


def test_a_wrong_password_is_refused_and_never_echoed(world: RegistryWorld, tmp_path: Path) -> None:
    wrong = AuthFile.load(auth_file(tmp_path / "auth.json", world.basic.host, password="not-the-password"))
    info = inspector(world, wrong).inspect(world.content.good)
    assert "refused the credentials" in info.error
    assert "not-the-password" not in info.error and PASSWORD not in repr(wrong)


def test_the_registry_certificate_needs_the_ca(world: RegistryWorld) -> None:
    info = RegistryInspector(auth=world.auth).inspect(world.content.good)
    assert "TLS certificate not trusted" in info.error and "--registry-ca-file" in info.error


def test_bearer_token_dance_with_basic_credentials(world: RegistryWorld) -> None:
    ref = world.on(world.token, world.content.good)
    info = inspector(world).inspect(ref)
    assert info.found and not info.error and info.multi_arch, info
    assert "repository:layering/rhcos-hotfix:pull" in world.tokens.issued


def test_bearer_token_service_refuses_a_wrong_password(world: RegistryWorld, tmp_path: Path) -> None:
    wrong = AuthFile.load(auth_file(tmp_path / "auth.json", world.token.host, USER, "wrong-pw-1234"))
    info = inspector(world, wrong).inspect(world.on(world.token, world.content.good))
    assert "refused the credentials" in info.error and "wrong-pw-1234" not in info.error


def test_a_mirror_answers_when_the_source_registry_is_down(world: RegistryWorld) -> None:
    down = world.content.good.replace(world.basic.host, "127.0.0.1:9")
    mirrors = (("127.0.0.1:9/layering", (f"{world.basic.host}/layering",)),)
    info = inspector(world, mirrors=mirrors).inspect(down)
    assert info.found and not info.error and info.ref == down
    assert info.served_by == f"{world.basic.host}/layering/rhcos-hotfix"
    assert inspector(world).inspect(down).error.startswith("registry unreachable")  # without the mirror
