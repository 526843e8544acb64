"""RegistryInspector against a real registry (CNCF distribution) with TLS, htpasswd and token auth."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from ocilayout import Image, Layout
from realregistry import PASSWORD, USER, Pki, Registry, TokenService, auth_file, make_pki, require_tools

from reconciler.images import AuthFile, RegistryInspector

pytestmark = pytest.mark.slow
BASE_VERSION, OLD_VERSION = "417.94.202410010000-0", "416.94.202407081958-0"
BOOTABLE = {"ostree.bootable": "true", "containers.bootc": "1"}


@dataclass
class Content:
    """What the tests pushed: references by name."""

    base: str
    good: str  # multi-arch (amd64, arm64), built FROM base
    stale: str  # built FROM an older RHCOS
    amd64_only: str  # a manifest list offering amd64 only
    not_bootable: str
    unknown: str


@dataclass
class World:
    pki: Pki
    basic: Registry
    token: Registry
    tokens: TokenService
    content: Content
    auth: AuthFile

    def on(self, registry: Registry, ref: str) -> str:
        return ref.replace(self.basic.host, registry.host)


def _push(layout_dir: Path, registry: Registry) -> Content:
    layout = Layout(layout_dir)
    repo_base, repo = f"{registry.host}/ocp/rhcos", f"{registry.host}/layering/rhcos-hotfix"
    base_digest = layout.add("base", Image({**BOOTABLE, "version": BASE_VERSION}, content="base\n"))
    base = f"{repo_base}@{base_digest}"
    annotations = {"org.opencontainers.image.base.name": base, "org.opencontainers.image.base.digest": base_digest}
    layered = {**BOOTABLE, "version": BASE_VERSION, "io.example.hotfix": "1"}
    good = layout.add_index("good", [Image(layered, "amd64", annotations), Image(layered, "arm64", annotations)])
    stale = layout.add("stale", Image({**BOOTABLE, "version": OLD_VERSION}, content="old\n"))
    amd64_only = layout.add_index("amd64-only", [Image(layered, "amd64", annotations, content="x86 only\n")])
    not_bootable = layout.add("app", Image({"version": BASE_VERSION}, content="an application image\n"))
    registry.push(layout_dir, "base", "ocp/rhcos")
    for tag in ("good", "stale", "amd64-only", "app"):
        registry.push(layout_dir, tag, "layering/rhcos-hotfix")
    return Content(base, f"{repo}@{good}", f"{repo}@{stale}", f"{repo}@{amd64_only}", f"{repo}@{not_bootable}",
                   f"{repo}@sha256:{'0' * 64}")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    require_tools()
    root = tmp_path_factory.mktemp("registry")
    pki = make_pki(root / "pki")
    basic = Registry(root / "basic", pki, root / "storage").start()
    tokens = TokenService(root / "tokens")
    with tokens.serving():
        token = Registry(root / "token", pki, root / "storage", auth="token", token_realm=tokens.realm,
                         token_cert=tokens.cert)
        try:
            content = _push(root / "layout", basic)
            token.start()
            auth = AuthFile.load(auth_file(root / "auth.json", basic.host))
            auth = auth.merged(AuthFile.load(auth_file(root / "auth-token.json", token.host)))
            yield World(pki, basic, token, tokens, content, auth)
        finally:
            token.stop()
            basic.stop()


def inspector(world: World, auth: AuthFile | None = None, **kw: object) -> RegistryInspector:
    return RegistryInspector(auth=world.auth if auth is None else auth, ca_file=world.pki.ca, **kw)  # type: ignore[arg-type]


def test_a_good_multi_arch_image_with_credentials(world: World) -> None:
    info = inspector(world).inspect(world.content.good)
    assert info.found and not info.error, info
    assert info.multi_arch and info.architectures == ("amd64", "arm64")
    assert info.label("ostree.bootable") == "true" and info.label("version") == BASE_VERSION
    assert info.base_name == world.content.base and info.base_digest == world.content.base.rpartition("@")[2]


def test_a_single_manifest_reports_its_config_architecture(world: World) -> None:
    info = inspector(world).inspect(world.content.stale)
    assert info.found and not info.multi_arch and info.architectures == ("amd64",)
    assert info.label("version") == OLD_VERSION


def test_unknown_digest_is_not_found(world: World) -> None:
    info = inspector(world).inspect(world.content.unknown)
    assert not info.found and not info.error


def test_without_credentials_the_registry_says_they_are_required(world: World) -> None:
    info = inspector(world, AuthFile()).inspect(world.content.good)
    assert info.error and "requires credentials" in info.error and info.found


def test_a_wrong_password_is_refused_and_never_echoed(world: World, tmp_path: Path) -> None:
    wrong = AuthFile.load(auth_file(tmp_path / "auth.json", world.basic.host, password="not-the-password"))
    info = inspector(world, wrong).inspect(world.content.good)
    assert "refused the credentials" in info.error
    assert "not-the-password" not in info.error and PASSWORD not in repr(wrong)


def test_the_registry_certificate_needs_the_ca(world: World) -> None:
    info = RegistryInspector(auth=world.auth).inspect(world.content.good)
    assert "TLS certificate not trusted" in info.error and "--registry-ca-file" in info.error


def test_bearer_token_dance_with_basic_credentials(world: World) -> None:
    ref = world.on(world.token, world.content.good)
    info = inspector(world).inspect(ref)
    assert info.found and not info.error and info.multi_arch, info
    assert "repository:layering/rhcos-hotfix:pull" in world.tokens.issued


def test_bearer_token_service_refuses_a_wrong_password(world: World, tmp_path: Path) -> None:
    wrong = AuthFile.load(auth_file(tmp_path / "auth.json", world.token.host, USER, "wrong-pw-1234"))
    info = inspector(world, wrong).inspect(world.on(world.token, world.content.good))
    assert "refused the credentials" in info.error and "wrong-pw-1234" not in info.error


def test_a_mirror_answers_when_the_source_registry_is_down(world: World) -> None:
    down = world.content.good.replace(world.basic.host, "127.0.0.1:9")
    mirrors = (("127.0.0.1:9/layering", (f"{world.basic.host}/layering",)),)
    info = inspector(world, mirrors=mirrors).inspect(down)
    assert info.found and not info.error and info.ref == down
    assert info.served_by == f"{world.basic.host}/layering/rhcos-hotfix"
    assert inspector(world).inspect(down).error.startswith("registry unreachable")  # without the mirror
