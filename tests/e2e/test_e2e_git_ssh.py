"""`reconciler sync` over ssh:// against a real sshd: with the key and known_hosts files (as the
Deployment passes them, by LAYERING_* variables) it applies; with a host key it does not know it
names the host and applies nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import MC, Cli, LocalSim, bound_repo
from sshkit import SshServer, start_sshd


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[SshServer]:
    server = start_sshd(tmp_path / "sshd")
    yield server
    server.stop()


def test_sync_over_ssh_checks_the_host_key_before_anything_is_applied(
    cli: Cli, local_sim: LocalSim, sshd: SshServer, tmp_path: Path
) -> None:
    repo = bound_repo(cli, tmp_path / "bindings")
    repo.bare_remote(tmp_path / "remote.git")
    url = sshd.url(tmp_path / "remote.git")
    unknown = tmp_path / "known_hosts.empty"
    unknown.write_text("")
    cli.env["LAYERING_SSH_KEY_FILE"] = str(sshd.user_key)
    cluster = ("--kubeconfig", str(local_sim.kubeconfig))

    refused = cli("sync", "--repo", url, "--known-hosts-file", str(unknown), *cluster)
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[-1] == (
        f"error: {url}: cannot fetch: host key verification failed: [127.0.0.1]:{sshd.port} is not in the "
        "known_hosts file; nothing was fetched. Add its key (ssh-keyscan, checked out of band) to the known_hosts file")
    assert local_sim.layering_mcs() == set()

    cli.env["LAYERING_KNOWN_HOSTS_FILE"] = str(sshd.known_hosts())
    synced = cli("sync", "--repo", url, *cluster)
    assert synced.returncode == 0, synced.stderr
    assert local_sim.layering_mcs() == {MC}
