"""Commit and tag signatures, verified by git itself against a directory of trusted keys.

`--trusted-keys DIR` holds OpenPGP public keys (`*.asc`), SSH public keys (`*.pub`, one key per line;
the key's comment, when it is an e-mail-like word, or else the file name is its principal) and
allowed-signers files (`allowed_signers`, `*.allowed_signers`, in ssh-keygen's format). For every
verification the OpenPGP keys are imported, fully trusted, into a temporary GNUPGHOME and the SSH
keys are written to a temporary `gpg.ssh.allowedSignersFile`; then `git verify-commit --raw` or
`git verify-tag --raw` decides. Their output is read only for the verdict and the signer's name.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

from reconciler.errors import InvalidInput, UntrustedCommit
from reconciler.model import Signature, Verification
from reconciler.records import record
from reconciler.source.gitcmd import git_env

VERIFY_TIMEOUT_SECONDS = 60.0
_SSH_KEY_TYPES = ("ssh-", "ecdsa-", "sk-ssh-", "sk-ecdsa-")
_SSH_GOOD = re.compile(r'Good "git" signature for (?P<signer>.+?) with (?P<type>\S+) key (?P<key>\S+)')
_SSH_UNKNOWN = re.compile(r'Good "git" signature with (?P<type>\S+) key (?P<key>\S+)')
_PRINCIPAL = re.compile(r"^[A-Za-z0-9._+@-]+$")


class VerifyMode(StrEnum):
    NONE = "none"
    HEAD = "head"  # the commit itself must carry a trusted signature
    TAG = "tag"  # the ref must be an annotated tag with a trusted signature
    TAG_AND_HEAD = "tag-and-head"  # both

    @property
    def checks_head(self) -> bool:
        return self in (VerifyMode.HEAD, VerifyMode.TAG_AND_HEAD)

    @property
    def checks_tag(self) -> bool:
        return self in (VerifyMode.TAG, VerifyMode.TAG_AND_HEAD)


@record
class _Keyring:
    gnupghome: Path
    allowed_signers: Path


@record
class _Verdict:
    trusted: bool
    signer: str = ""
    key: str = ""
    format: str = ""
    reason: str = ""


class Verifier:
    """Checks the signatures `mode` asks for against the keys in `keys_dir` (read afresh each time)."""

    def __init__(self, mode: VerifyMode | str, keys_dir: Path | None) -> None:
        self.mode = VerifyMode(mode)
        self.keys_dir = keys_dir
        if self.mode is not VerifyMode.NONE:
            if keys_dir is None:
                raise InvalidInput(f"--verify {self.mode}: --trusted-keys DIR is required")
            _key_files(keys_dir)  # a missing or empty directory is refused up front

    @property
    def enabled(self) -> bool:
        return self.mode is not VerifyMode.NONE

    def verify(self, git_dir: Path, display: str, sha: str, tag_ref: str | None) -> Verification | None:
        """The verified signatures of commit `sha` (and of `tag_ref` when the mode wants a tag).

        Raises UntrustedCommit naming the commit, the signer if any, and why."""
        if not self.enabled:
            return None
        assert self.keys_dir is not None
        if self.mode.checks_tag and tag_ref is None:
            raise UntrustedCommit(
                f"{display}: commit {sha} is refused (--verify {self.mode}): the ref is not a tag; "
                "pass --ref naming a signed tag; nothing was planned or written", commit=sha, reason="not a tag")
        signatures: list[Signature] = []
        with _keyring(self.keys_dir) as keyring:
            if self.mode.checks_tag and tag_ref is not None:
                tag_name = tag_ref.removeprefix("refs/tags/")
                subject = f"tag {tag_name}"
                verdict = _run_verify(git_dir, keyring, ["verify-tag", "--raw", tag_ref])
                signatures.append(self._accept(verdict, display, sha, subject))
            if self.mode.checks_head:
                verdict = _run_verify(git_dir, keyring, ["verify-commit", "--raw", sha])
                signatures.append(self._accept(verdict, display, sha, f"commit {sha[:12]}"))
        return Verification(mode=self.mode.value, signatures=tuple(signatures))

    def _accept(self, verdict: _Verdict, display: str, sha: str, subject: str) -> Signature:
        if not verdict.trusted:
            by = f" (signer: {verdict.signer})" if verdict.signer else ""
            message = (f"{display}: commit {sha} is refused (--verify {self.mode}): {subject} "
                       f"{verdict.reason}{by}; nothing was planned or written")
            raise UntrustedCommit(message, commit=sha, signer=verdict.signer, reason=verdict.reason)
        return Signature(subject, verdict.signer, verdict.key, verdict.format)


# ---- the trusted keys ------------------------------------------------------------------------------
def _key_files(keys_dir: Path) -> list[Path]:
    if not keys_dir.is_dir():
        raise InvalidInput(f"--trusted-keys {keys_dir}: no such directory")
    files = sorted(p for p in keys_dir.iterdir() if p.is_file() and _is_key_file(p))
    if not files:
        raise InvalidInput(f"--trusted-keys {keys_dir}: no *.asc, *.pub or allowed_signers file in it")
    return files


def _is_key_file(path: Path) -> bool:
    return path.suffix in (".asc", ".pub") or path.name == "allowed_signers" or path.name.endswith(
        ".allowed_signers")


@contextlib.contextmanager
def _keyring(keys_dir: Path) -> Iterator[_Keyring]:
    import tempfile  # (only when verifying)

    home = Path(tempfile.mkdtemp(prefix="layering-gnupg-"))
    try:
        home.chmod(0o700)
        gnupghome = home / "gnupg"
        gnupghome.mkdir(mode=0o700)
        signers: list[str] = []
        for path in _key_files(keys_dir):
            if path.suffix == ".asc":
                _import_openpgp(gnupghome, path)
            else:
                signers += _allowed_signer_lines(path)
        _trust_all(gnupghome)
        allowed = home / "allowed_signers"
        allowed.write_text("".join(line + "\n" for line in signers))
        yield _Keyring(gnupghome, allowed)
    finally:
        with contextlib.suppress(OSError):  # no agent was started, or gpgconf is missing: nothing to stop
            subprocess.run(["gpgconf", "--homedir", str(home / "gnupg"), "--kill", "all"],
                           capture_output=True, check=False, timeout=VERIFY_TIMEOUT_SECONDS)
        shutil.rmtree(home, ignore_errors=True)


def _gpg(gnupghome: Path, args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["gpg", "--batch", "--no-tty", "--quiet", "--homedir", str(gnupghome), *args],
                              input=stdin, capture_output=True, text=True, check=False,
                              timeout=VERIFY_TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InvalidInput(f"--trusted-keys: gpg is needed for the *.asc keys and could not run "
                           f"({type(exc).__name__})") from None


def _import_openpgp(gnupghome: Path, path: Path) -> None:
    done = _gpg(gnupghome, ["--import", str(path)])
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["gpg failed"])[-1]
        raise InvalidInput(f"{path}: not an OpenPGP public key gpg can import: {detail}")


def _trust_all(gnupghome: Path) -> None:
    """Every key in the directory is trusted: give each primary key full (ultimate) owner trust."""
    listing = _gpg(gnupghome, ["--with-colons", "--list-keys"]).stdout.splitlines()
    primaries = [line.split(":")[9] for prev, line in zip(["", *listing], listing, strict=False)
                 if prev.startswith("pub:") and line.startswith("fpr:")]
    if primaries:
        _gpg(gnupghome, ["--import-ownertrust"], "".join(f"{fpr}:6:\n" for fpr in primaries))


def _allowed_signer_lines(path: Path) -> list[str]:
    """ssh-keygen allowed-signers lines: SSH public keys get a principal, other lines are kept."""
    lines = []
    for raw in path.read_text(errors="replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(_SSH_KEY_TYPES):
            parts = line.split()
            if len(parts) < 2:
                raise InvalidInput(f"{path}: not an SSH public key line: {line[:40]}")
            comment = parts[2] if len(parts) > 2 else ""
            principal = comment if _PRINCIPAL.match(comment) else path.stem
            lines.append(f'{principal} namespaces="git" {parts[0]} {parts[1]}')
        else:
            lines.append(line)
    return lines


# ---- git's verdict ---------------------------------------------------------------------------------
def _run_verify(git_dir: Path, keyring: _Keyring, args: list[str]) -> _Verdict:
    config = ["-c", "gpg.program=gpg", "-c", "gpg.ssh.program=ssh-keygen", "-c", "gpg.minTrustLevel=fully",
              "-c", f"gpg.ssh.allowedSignersFile={keyring.allowed_signers}"]
    env = {**os.environ, **git_env(), "GNUPGHOME": str(keyring.gnupghome)}
    try:
        done = subprocess.run(["git", *config, *args], cwd=git_dir, env=env, capture_output=True, text=True,
                              check=False, timeout=VERIFY_TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return _Verdict(False, reason=f"could not be verified: {type(exc).__name__}")
    return parse_verdict(done.returncode, done.stdout + done.stderr)


def parse_verdict(returncode: int, output: str) -> _Verdict:
    """git's verdict (its exit status) and who signed, from `verify-commit/verify-tag --raw` output."""
    status = _gpg_status(output)
    ssh_good, ssh_unknown = _SSH_GOOD.search(output), _SSH_UNKNOWN.search(output)
    if returncode == 0 and ssh_good:
        return _Verdict(True, ssh_good["signer"], ssh_good["key"], "ssh")
    if returncode == 0 and "GOODSIG" in status and "VALIDSIG" in status:
        return _Verdict(True, status["GOODSIG"].split(" ", 1)[-1], status["VALIDSIG"].split()[0], "openpgp")
    return _Verdict(False, *_refusal(output, status, ssh_unknown))


def _gpg_status(output: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in output.splitlines():
        if line.startswith("[GNUPG:] "):
            keyword, _, rest = line.removeprefix("[GNUPG:] ").partition(" ")
            found.setdefault(keyword, rest)
    return found


def _refusal(output: str, status: dict[str, str], ssh_unknown: re.Match[str] | None) -> tuple[str, str, str, str]:
    """(signer, key, format, reason) of a signature git did not accept."""
    if ssh_unknown:
        key = ssh_unknown["key"]
        return key, key, "ssh", f"is signed with the SSH key {key}, which is not among the trusted keys"
    if "Could not verify signature" in output or "incorrect signature" in output:
        return "", "", "ssh", "has a bad SSH signature (the signed content does not match it)"
    if "BADSIG" in status:
        signer = status["BADSIG"].split(" ", 1)[-1]
        return signer, "", "openpgp", "has a bad OpenPGP signature (the signed content does not match it)"
    for keyword, what in (("EXPKEYSIG", "an expired key"), ("REVKEYSIG", "a revoked key"),
                          ("EXPSIG", "an expired signature")):
        if keyword in status:
            signer = status[keyword].split(" ", 1)[-1]
            return signer, "", "openpgp", f"is signed with {what}"
    if "NO_PUBKEY" in status or "ERRSIG" in status:
        key = (status.get("NO_PUBKEY") or status.get("ERRSIG") or "").split(" ")[0]
        return key, key, "openpgp", f"is signed with the OpenPGP key {key}, which is not among the trusted keys"
    if "GOODSIG" in status:
        signer = status["GOODSIG"].split(" ", 1)[-1]
        return signer, "", "openpgp", "is signed with a key that is not fully trusted"
    if "non-tag object" in output:
        return "", "", "", "is a lightweight tag, which carries no signature"
    if "no signature found" in output or not output.strip():
        return "", "", "", "is not signed"
    last = output.strip().splitlines()[-1].removeprefix("error: ")
    return "", "", "", f"could not be verified: {last}"
