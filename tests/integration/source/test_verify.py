"""--verify with real signatures: SSH keys from ssh-keygen, OpenPGP keys from gpg, checked by git."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from signing import Signers, tamper
from testkit import git

from reconciler.errors import InvalidInput, UntrustedCommit
from reconciler.source import GitSource, Verifier, VerifyMode
from reconciler.source.verify import parse_verdict

BINDING = "bindings/w.yaml"


def _repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "--quiet", "--initial-branch=main")
    (path / "bindings").mkdir()
    (path / BINDING).write_text("# a binding\n")
    return path


# Each case builds the repository and returns the ref to read.
Case = Callable[[Signers, Path], str]


def ssh_signed(s: Signers, repo: Path) -> str:
    s.commit(repo, "bind", "alice")
    return "main"


def gpg_signed(s: Signers, repo: Path) -> str:
    s.commit(repo, "bind", "bob")
    return "main"


def unsigned(s: Signers, repo: Path) -> str:
    s.commit(repo, "bind")
    return "main"


def ssh_untrusted(s: Signers, repo: Path) -> str:
    s.commit(repo, "bind", "mallory")
    return "main"


def gpg_untrusted(s: Signers, repo: Path) -> str:
    s.commit(repo, "bind", "eve")
    return "main"


def amended_unsigned(s: Signers, repo: Path) -> str:
    s.commit(repo, "bind", "alice")
    (repo / BINDING).write_text("# changed after signing\n")
    s.git(repo, "commit", "--quiet", "-a", "--amend", "--no-edit", "--no-gpg-sign")
    return "main"


def bad_signature(s: Signers, repo: Path) -> str:
    s.commit(repo, "bind", "alice")
    tamper(repo)
    return "main"


def signed_tag_on_unsigned(s: Signers, repo: Path) -> str:
    s.commit(repo, "bind")
    s.tag(repo, "v1", "alice")
    return "v1"


def signed_tag_on_signed(s: Signers, repo: Path) -> str:
    s.commit(repo, "bind", "bob")
    s.tag(repo, "v1", "bob")
    return "v1"


def unsigned_tag_on_signed(s: Signers, repo: Path) -> str:
    s.commit(repo, "bind", "alice")
    s.tag(repo, "v1")
    return "v1"


def untrusted_tag_on_signed(s: Signers, repo: Path) -> str:
    s.commit(repo, "bind", "alice")
    s.tag(repo, "v1", "eve")
    return "v1"


def lightweight_tag_on_signed(s: Signers, repo: Path) -> str:
    s.commit(repo, "bind", "alice")
    s.git(repo, "tag", "v1")
    return "v1"


OK = "ok"
NOT_A_TAG = "the ref is not a tag"
# case -> expected outcome per mode: OK, or a fragment of the refusal
EXPECTED: dict[Case, dict[VerifyMode, str]] = {
    ssh_signed: {VerifyMode.HEAD: OK, VerifyMode.TAG: NOT_A_TAG, VerifyMode.TAG_AND_HEAD: NOT_A_TAG},
    gpg_signed: {VerifyMode.HEAD: OK, VerifyMode.TAG: NOT_A_TAG, VerifyMode.TAG_AND_HEAD: NOT_A_TAG},
    unsigned: {VerifyMode.HEAD: "is not signed", VerifyMode.TAG: NOT_A_TAG, VerifyMode.TAG_AND_HEAD: NOT_A_TAG},
    ssh_untrusted: {VerifyMode.HEAD: "not among the trusted keys", VerifyMode.TAG: NOT_A_TAG,
                    VerifyMode.TAG_AND_HEAD: NOT_A_TAG},
    gpg_untrusted: {VerifyMode.HEAD: "not among the trusted keys", VerifyMode.TAG: NOT_A_TAG,
                    VerifyMode.TAG_AND_HEAD: NOT_A_TAG},
    amended_unsigned: {VerifyMode.HEAD: "is not signed", VerifyMode.TAG: NOT_A_TAG,
                       VerifyMode.TAG_AND_HEAD: NOT_A_TAG},
    bad_signature: {VerifyMode.HEAD: "bad SSH signature", VerifyMode.TAG: NOT_A_TAG,
                    VerifyMode.TAG_AND_HEAD: NOT_A_TAG},
    signed_tag_on_unsigned: {VerifyMode.HEAD: "is not signed", VerifyMode.TAG: OK,
                             VerifyMode.TAG_AND_HEAD: "is not signed"},
    signed_tag_on_signed: {VerifyMode.HEAD: OK, VerifyMode.TAG: OK, VerifyMode.TAG_AND_HEAD: OK},
    unsigned_tag_on_signed: {VerifyMode.HEAD: OK, VerifyMode.TAG: "tag v1 is not signed",
                             VerifyMode.TAG_AND_HEAD: "tag v1 is not signed"},
    untrusted_tag_on_signed: {VerifyMode.HEAD: OK, VerifyMode.TAG: "not among the trusted keys",
                              VerifyMode.TAG_AND_HEAD: "not among the trusted keys"},
    lightweight_tag_on_signed: {VerifyMode.HEAD: OK, VerifyMode.TAG: "lightweight tag",
                                VerifyMode.TAG_AND_HEAD: "lightweight tag"},
}
PARAMS = [pytest.param(case, mode, want, id=f"{case.__name__}-{mode}")
          for case, modes in EXPECTED.items() for mode, want in modes.items()]


@pytest.mark.parametrize(("case", "mode", "want"), PARAMS)
def test_each_case_in_each_mode(signers: Signers, tmp_path: Path, case: Case, mode: VerifyMode, want: str) -> None:
    repo = _repo(tmp_path)
    ref = case(signers, repo)
    sha = git(repo, "rev-parse", f"{ref}^{{commit}}")
    source = GitSource(str(repo), verifier=Verifier(mode, signers.trusted_keys))
    if want == OK:
        snapshot = source.snapshot(ref)
        assert snapshot.commit == sha
        assert snapshot.verification is not None
        assert snapshot.verification.mode == mode.value
        assert all(s.signer in ("alice@example.com", "Bob <bob@example.com>")
                   for s in snapshot.verification.signatures)
        assert len(snapshot.verification.signatures) == (2 if mode is VerifyMode.TAG_AND_HEAD else 1)
        return
    with pytest.raises(UntrustedCommit) as refused:
        source.snapshot(ref)
    message = str(refused.value)
    assert want in message
    assert sha in message and refused.value.commit == sha  # the commit is named
    assert "nothing was planned or written" in message


def test_mode_none_reads_anything(signers: Signers, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    unsigned(signers, repo)
    snapshot = GitSource(str(repo), verifier=Verifier("none", None)).snapshot()
    assert snapshot.verification is None and BINDING in snapshot.files


def test_refusals_name_the_signer(signers: Signers, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    ssh_untrusted(signers, repo)
    mallory = Path(f"{signers.root / 'mallory'}.pub").read_text().split()[1]
    listed = subprocess.run(["ssh-keygen", "-lf", f"{signers.root / 'mallory'}.pub"], check=True,
                            capture_output=True, text=True).stdout
    fingerprint = listed.split()[1]
    with pytest.raises(UntrustedCommit) as refused:
        GitSource(str(repo), verifier=Verifier("head", signers.trusted_keys)).snapshot()
    assert refused.value.signer == fingerprint and fingerprint in str(refused.value)
    assert mallory not in str(refused.value)  # the fingerprint names the key; the key itself is not echoed


def test_verified_snapshot_names_the_signer_and_key(signers: Signers, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    signed_tag_on_signed(signers, repo)
    snapshot = GitSource(str(repo), verifier=Verifier("tag-and-head", signers.trusted_keys)).snapshot("v1")
    assert snapshot.verification is not None
    tag, head = snapshot.verification.signatures
    assert (tag.subject, tag.signer, tag.format) == ("tag v1", "Bob <bob@example.com>", "openpgp")
    assert head.subject.startswith("commit ") and head.format == "openpgp" and len(head.key) == 40


def test_remote_repository_is_verified_after_fetch(signers: Signers, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    signed_tag_on_unsigned(signers, repo)
    url = f"file://{repo}"
    verifier = Verifier("tag", signers.trusted_keys)
    snapshot = GitSource(url, cache_dir=tmp_path / "cache", verifier=verifier).snapshot("v1")
    assert snapshot.verification is not None and snapshot.verification.signatures[0].signer == "alice@example.com"
    with pytest.raises(UntrustedCommit):
        GitSource(url, cache_dir=tmp_path / "cache", verifier=Verifier("head", signers.trusted_keys)).snapshot("v1")


def test_allowed_signers_file_is_used_verbatim(signers: Signers, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    mallory = Path(f"{signers.root / 'mallory'}.pub").read_text().split()
    (keys / "allowed_signers").write_text(f"ops@example.com {mallory[0]} {mallory[1]}\n")
    repo = _repo(tmp_path)
    ssh_untrusted(signers, repo)
    snapshot = GitSource(str(repo), verifier=Verifier("head", keys)).snapshot()
    assert snapshot.verification is not None and snapshot.verification.signatures[0].signer == "ops@example.com"


def test_trusted_keys_directory_is_checked_up_front(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="--trusted-keys DIR is required"):
        Verifier("head", None)
    with pytest.raises(InvalidInput, match="no such directory"):
        Verifier("head", tmp_path / "missing")
    with pytest.raises(InvalidInput, match=r"no \*\.asc, \*\.pub or allowed_signers"):
        Verifier("head", tmp_path)


def test_a_broken_key_file_is_named(signers: Signers, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "junk.asc").write_text("not a key\n")
    repo = _repo(tmp_path)
    ssh_signed(signers, repo)
    with pytest.raises(InvalidInput, match=r"junk\.asc: not an OpenPGP public key"):
        GitSource(str(repo), verifier=Verifier("head", keys)).snapshot()


def test_verdict_needs_git_exit_status_zero() -> None:
    good = 'Good "git" signature for alice@example.com with ED25519 key SHA256:abc'
    assert parse_verdict(0, good).trusted
    assert not parse_verdict(1, good).trusted
    assert parse_verdict(1, "").reason == "is not signed"
