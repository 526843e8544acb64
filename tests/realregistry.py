"""A real registry for tests: CNCF distribution (Debian's `docker-registry`) on 127.0.0.1.

TLS from a CA made here with the openssl CLI, htpasswd (bcrypt) basic auth or token (bearer) auth
from a small token service that checks the same passwords, storage in a temporary directory, content
pushed with `skopeo copy` from OCI layouts the tests build. Missing programs skip a local run and
fail in CI (CI=true), like kubectl_binary() in testkit.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from ocilayout import Image, Layout
from testkit import JsonHandler

from reconciler.images import AuthFile

TOOLS = {"docker-registry": "docker-registry", "skopeo": "skopeo", "htpasswd": "apache2-utils",
         "openssl": "openssl"}
USER, PASSWORD = "layering", "s3cret-pw-for-tests"
SERVICE = "test-registry"


def require_tools() -> None:
    missing = [f"{tool} (Debian package {package})" for tool, package in TOOLS.items() if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"required in CI but not on PATH: {', '.join(missing)}")
        pytest.skip(f"not on PATH: {', '.join(missing)}")


def _run(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True).stdout


@dataclass(frozen=True)
class Pki:
    ca: Path
    cert: Path
    key: Path
    cert_dir: Path  # ca.crt alone, the form skopeo's --dest-cert-dir reads


def make_pki(root: Path) -> Pki:
    """A CA and a server certificate for 127.0.0.1 signed by it (openssl CLI)."""
    root.mkdir(parents=True, exist_ok=True)
    ca, ca_key = root / "ca.pem", root / "ca.key"
    _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=layering test CA",
         "-keyout", str(ca_key), "-out", str(ca))
    key, csr, cert = root / "server.key", root / "server.csr", root / "server.pem"
    _run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", str(key),
         "-out", str(csr))
    ext = root / "san.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    _run("openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
         "-days", "2", "-extfile", str(ext), "-out", str(cert))
    cert_dir = root / "certs.d"
    cert_dir.mkdir()
    shutil.copy(ca, cert_dir / "ca.crt")
    return Pki(ca, cert, key, cert_dir)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Registry:
    """One distribution process. `auth` is "htpasswd" or "token" (then `token_realm` is required)."""

    def __init__(self, root: Path, pki: Pki, storage: Path, auth: str = "htpasswd",
                 token_realm: str = "", token_cert: Path | None = None) -> None:
        self.root, self.pki, self.port = root, pki, _free_port()
        root.mkdir(parents=True, exist_ok=True)
        htpasswd = root / "htpasswd"
        htpasswd.write_text(_run("htpasswd", "-Bbn", USER, PASSWORD))
        if auth == "htpasswd":
            auth_config = {"htpasswd": {"realm": "layering-test", "path": str(htpasswd)}}
        else:
            auth_config = {"token": {"realm": token_realm, "service": SERVICE, "issuer": "layering-test-issuer",
                                     "rootcertbundle": str(token_cert)}}
        config = {  # everything the defaults would open beyond this is left off
            "version": 0.1,
            "log": {"level": "error", "accesslog": {"disabled": True}},
            "storage": {"filesystem": {"rootdirectory": str(storage)}, "delete": {"enabled": True}},
            "http": {"addr": f"127.0.0.1:{self.port}", "secret": uuid.uuid4().hex,
                     "tls": {"certificate": str(pki.cert), "key": str(pki.key)}},
            "auth": auth_config,
        }
        self.config = root / "config.yml"
        self.config.write_text(json.dumps(config))  # YAML is a superset of JSON
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> Registry:
        with open(self.root / "registry.log", "wb") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(["docker-registry", "serve", str(self.config)],
                                            stdout=subprocess.DEVNULL, stderr=log)
        context = ssl.create_default_context(cafile=str(self.pki.ca))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"docker-registry exited: {(self.root / 'registry.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"https://{self.host}/v2/", context=context, timeout=2)
                return self
            except urllib.error.HTTPError:  # 401: up, and asking for credentials
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("docker-registry did not start within 20s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)

    def push(self, layout: Path, tag: str, repository: str) -> None:
        """`skopeo copy --all --preserve-digests oci:LAYOUT:TAG docker://HOST/REPOSITORY:TAG`."""
        _run("skopeo", "--insecure-policy", "copy", "--quiet", "--all", "--preserve-digests",
             "--dest-cert-dir", str(self.pki.cert_dir), "--dest-creds", f"{USER}:{PASSWORD}",
             f"oci:{layout}:{tag}", f"docker://{self.host}/{repository}:{tag}")


def auth_file(path: Path, host: str, user: str = USER, password: str = PASSWORD, also: str = "") -> Path:
    """A containers auth.json for `host` (and `also`)."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    path.write_text(json.dumps({"auths": {h: {"auth": token} for h in (host, also) if h}}))
    return path


# ---- token auth: a small token service in front of the same password --------------------------------
class TokenService:
    """Issues RS256 JWTs distribution accepts (x5c chain to its rootcertbundle) for USER:PASSWORD."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.key, self.cert = root / "token.key", root / "token.pem"
        _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=token signer",
             "-keyout", str(self.key), "-out", str(self.cert))
        der = subprocess.run(["openssl", "x509", "-in", str(self.cert), "-outform", "DER"], check=True,
                             capture_output=True).stdout
        self.x5c = base64.b64encode(der).decode()
        self.issued: list[str] = []  # scopes of the tokens handed out
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    @property
    def realm(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/token"

    def token(self, scope: str) -> str:
        header = {"alg": "RS256", "typ": "JWT", "x5c": [self.x5c]}
        now = int(time.time())
        access = []
        if scope.startswith("repository:"):
            _, name, actions = scope.split(":", 2)
            access.append({"type": "repository", "name": name, "actions": actions.split(",")})
        claims = {"iss": "layering-test-issuer", "sub": USER, "aud": SERVICE, "exp": now + 300, "nbf": now - 10,
                  "iat": now, "jti": uuid.uuid4().hex, "access": access}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(self.key)],
                                   input=signing_input.encode(), check=True, capture_output=True).stdout
        return f"{signing_input}.{_b64(signature)}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                if self.headers.get("Authorization") != expected:
                    self.reply_json(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]})
                    return
                scope = query.get("scope", "")
                service.issued.append(scope)
                self.reply_json(200, {"token": service.token(scope)})

        return Handler

    @contextmanager
    def serving(self) -> Iterator[TokenService]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# ---- the test images, pushed once -----------------------------------------------------------------
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
class RegistryWorld:
    pki: Pki
    basic: Registry
    token: Registry
    tokens: TokenService
    content: Content
    auth: AuthFile
    auth_path: Path  # the same credentials as an auth.json file

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


@contextmanager
def registry_world(root: Path) -> Iterator[RegistryWorld]:
    """A basic-auth and a token-auth registry on one storage, holding the test images."""
    require_tools()
    pki = make_pki(root / "pki")
    basic = Registry(root / "basic", pki, root / "storage").start()
    tokens = TokenService(root / "tokens")
    with tokens.serving():
        token = Registry(root / "token", pki, root / "storage", auth="token", token_realm=tokens.realm,
                         token_cert=tokens.cert)
        try:
            content = _push(root / "layout", basic)
            token.start()
            auth_path = auth_file(root / "auth.json", basic.host, also=token.host)
            yield RegistryWorld(pki, basic, token, tokens, content, AuthFile.load(auth_path), auth_path)
        finally:
            token.stop()
            basic.stop()
