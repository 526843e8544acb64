"""Real signing keys for tests: SSH keys from ssh-keygen, OpenPGP keys from gpg, in temporary homes.

`Signers` makes two trusted identities (alice: SSH, bob: OpenPGP) whose public keys go into a
trusted-keys directory, and two untrusted ones (mallory: SSH, eve: OpenPGP) that sign but are not
trusted. `sign_args(name)` are the `git -c …` options that make a commit or tag signed by that name.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from testkit import GIT_ENV

SSH = {"alice": "alice@example.com", "mallory": "mallory@example.com"}
OPENPGP = {"bob": "bob@example.com", "eve": "eve@example.com"}
TRUSTED = ("alice", "bob")


def require_signing_tools() -> None:
    """gpg and ssh-keygen: missing ones skip a local run and fail in CI (CI=true)."""
    missing = [tool for tool in ("gpg", "ssh-keygen", "gpgconf") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{', '.join(missing)} required in CI but not on PATH")
        pytest.skip(f"{', '.join(missing)} not on PATH")


class Signers:
    def __init__(self, root: Path) -> None:
        require_signing_tools()
        self.root = root
        self.gnupghome = root / "gnupg"
        self.gnupghome.mkdir(mode=0o700, parents=True)
        self.trusted_keys = root / "trusted-keys"
        self.trusted_keys.mkdir()
        for name, email in SSH.items():
            key = root / name
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", email, "-f", str(key)],
                           check=True, capture_output=True)
            if name in TRUSTED:
                shutil.copy(f"{key}.pub", self.trusted_keys / f"{name}.pub")
        for name, email in OPENPGP.items():
            self._gpg("--passphrase", "", "--quick-gen-key", f"{name.title()} <{email}>", "ed25519", "sign", "never")
            if name in TRUSTED:
                exported = self._gpg("--armor", "--export", email)
                (self.trusted_keys / f"{name}.asc").write_text(exported)

    def _gpg(self, *args: str) -> str:
        done = subprocess.run(["gpg", "--batch", "--no-tty", "--quiet", *args], env=self.env, check=True,
                              capture_output=True, text=True)
        return done.stdout

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, **GIT_ENV, "GNUPGHOME": str(self.gnupghome)}

    def sign_args(self, name: str) -> list[str]:
        if name in SSH:
            return ["-c", "gpg.format=ssh", "-c", f"user.signingkey={self.root / name}"]
        return ["-c", "gpg.format=openpgp", "-c", f"user.signingkey={OPENPGP[name]}"]

    def git(self, cwd: Path, *args: str, signer: str | None = None) -> str:
        options = self.sign_args(signer) if signer else []
        done = subprocess.run(["git", *options, *args], cwd=cwd, env=self.env, check=True,
                              capture_output=True, text=True)
        return done.stdout.strip()

    def commit(self, cwd: Path, message: str, signer: str | None = None) -> str:
        self.git(cwd, "add", "-A")
        sign = ["-S"] if signer else ["--no-gpg-sign"]
        self.git(cwd, "commit", "--quiet", "--allow-empty", *sign, "-m", message, signer=signer)
        return self.git(cwd, "rev-parse", "HEAD")

    def tag(self, cwd: Path, name: str, signer: str | None = None, rev: str = "HEAD") -> None:
        if signer:
            self.git(cwd, "tag", "-s", "-m", name, name, rev, signer=signer)
        else:
            self.git(cwd, "tag", "-a", "-m", name, name, rev)

    def close(self) -> None:
        subprocess.run(["gpgconf", "--homedir", str(self.gnupghome), "--kill", "all"], capture_output=True,
                       check=False)


def tamper(cwd: Path, rev: str = "HEAD") -> str:
    """A copy of commit `rev` with its message changed but its signature kept: a bad signature."""
    raw = subprocess.run(["git", "cat-file", "commit", rev], cwd=cwd, check=True, capture_output=True).stdout
    header, _, message = raw.partition(b"\n\n")
    forged = header + b"\n\n" + b"tampered: " + message
    done = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], cwd=cwd, input=forged,
                          check=True, capture_output=True, env={**os.environ, **GIT_ENV})
    sha = done.stdout.decode().strip()
    subprocess.run(["git", "update-ref", "refs/heads/main", sha], cwd=cwd, check=True, env={**os.environ, **GIT_ENV})
    return sha
