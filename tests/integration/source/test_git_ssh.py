"""Git over SSH against a real sshd on 127.0.0.1: one key, one known_hosts file, strict host keys,
no agent; an unknown or changed host key is refused naming the host."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from source_repos import WorkRepo
from sshkit import SshServer, keygen, start_sshd

from reconciler.errors import InvalidInput, SourceError
from reconciler.source import GitSource, SshOptions
from reconciler.source.gitcmd import describe_fetch_failure

BINDING = "apiVersion: layering.gitops.dev/v1alpha1\nkind: PoolImageBinding\n"


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[SshServer]:
    server = start_sshd(tmp_path / "sshd")
    yield server
    server.stop()


@pytest.fixture
def ssh_remote(work: WorkRepo, remote: Path) -> Path:
    work.write("bindings/worker.yaml", BINDING)
    work.commit("Bind worker")
    work.git("push", "--quiet", "origin", "main")
    return remote


def test_fetches_over_ssh_with_the_key_and_known_hosts(sshd: SshServer, ssh_remote: Path, work: WorkRepo,
                                                       cache: Path) -> None:
    ssh = SshOptions(sshd.user_key, sshd.known_hosts())
    snapshot = GitSource(sshd.url(ssh_remote), cache_dir=cache, ssh=ssh).snapshot()
    assert snapshot.commit == work.git("rev-parse", "HEAD")
    assert list(snapshot.files) == ["bindings/worker.yaml"]
    assert f"Accepted publickey for {sshd.user}" in sshd.log()


def test_an_unknown_host_key_is_refused_naming_the_host(sshd: SshServer, ssh_remote: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    url = sshd.url(ssh_remote)
    with pytest.raises(SourceError) as caught:
        GitSource(url, cache_dir=tmp_path / "cache", ssh=SshOptions(sshd.user_key, empty)).snapshot()
    assert str(caught.value) == (
        f"{url}: cannot fetch: host key verification failed: [127.0.0.1]:{sshd.port} is not in the known_hosts "
        "file; nothing was fetched. Add its key (ssh-keyscan, checked out of band) to the known_hosts file")
    assert empty.read_text() == ""  # never learned


def test_a_changed_host_key_is_refused_naming_the_host(sshd: SshServer, ssh_remote: Path, tmp_path: Path) -> None:
    impostor = sshd.known_hosts("stale_known_hosts", host_key=keygen(tmp_path / "other_host", "other"))
    with pytest.raises(SourceError) as caught:
        ssh = SshOptions(sshd.user_key, impostor)
        GitSource(sshd.url(ssh_remote), cache_dir=tmp_path / "cache", ssh=ssh).snapshot()
    assert f"the host key of [127.0.0.1]:{sshd.port} has CHANGED" in str(caught.value)
    assert "Accepted publickey" not in sshd.log()


def test_only_the_given_key_is_offered_never_the_agent(sshd: SshServer, ssh_remote: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """An agent holding the accepted key is running, but the named (unknown) key alone is offered."""
    agent_socket = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(agent_socket)], stdout=subprocess.DEVNULL)
    try:
        _wait_for(agent_socket)
        env = {**os.environ, "SSH_AUTH_SOCK": str(agent_socket)}
        subprocess.run(["ssh-add", "-q", str(sshd.user_key)], env=env, check=True, capture_output=True)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(agent_socket))
        stranger = keygen(tmp_path / "stranger", "not authorized")
        with pytest.raises(SourceError) as caught:
            GitSource(sshd.url(ssh_remote), cache_dir=tmp_path / "cache",
                      ssh=SshOptions(stranger, sshd.known_hosts())).snapshot()
        assert "authentication failed" in str(caught.value)
        assert "Accepted publickey" not in sshd.log()
    finally:
        agent.terminate()
        agent.wait()


def test_a_missing_key_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"/nope: cannot read the SSH key file: No such file or directory"):
        SshOptions(tmp_path / "nope", None).checked()


def test_the_ssh_command_is_strict_and_agentless(tmp_path: Path) -> None:
    command = SshOptions(tmp_path / "key", tmp_path / "known hosts").command()
    assert command == (
        f"ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -i {tmp_path}/key -o IdentitiesOnly=yes "
        f"""-o IdentityAgent=none -o 'UserKnownHostsFile="{tmp_path}/known hosts"' -o GlobalKnownHostsFile=/dev/null"""
    )


def _wait_for(path: Path) -> None:
    import time

    deadline = time.monotonic() + 10
    while not path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} did not appear")
        time.sleep(0.02)


def test_ssh_without_a_passwd_entry_for_the_uid_is_explained() -> None:
    """What ssh prints when a container runs it as a UID that /etc/passwd does not know."""
    stderr = ("No user exists for uid 1000680000\r\nfatal: Could not read from remote repository.\n\n"
              "Please make sure you have the correct access rights\nand the repository exists.\n")
    assert describe_fetch_failure(stderr).startswith(
        "ssh cannot run as uid 1000680000: the uid has no /etc/passwd entry (CRI-O, as OpenShift runs it, adds one")
