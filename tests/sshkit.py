"""A real OpenSSH server on 127.0.0.1 serving git repositories, with generated host and user keys.

`sshd` runs in the foreground with its own config in a temporary directory (no PAM, a free high
port, authorized_keys in the directory, StrictModes off), so it needs no system setup beyond the
privilege separation directory that Debian's service would create when it runs as root.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"


def sshd_binary() -> str:
    """sshd's path; a missing sshd skips a local run and fails in CI (CI=true), never silently."""
    binary = SSHD if os.access(SSHD, os.X_OK) else shutil.which("sshd")
    if binary is None or shutil.which("ssh-keygen") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("sshd (Debian openssh-server) is required in CI but is not installed")
        pytest.skip("sshd is not installed (Debian package openssh-server)")
    return binary


def keygen(path: Path, comment: str) -> Path:
    """A new ed25519 key pair at `path` (and `path`.pub), without a passphrase."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SshServer:
    """The running server: its port, the user to log in as, a key it accepts, and known_hosts lines."""

    root: Path
    port: int
    user: str
    user_key: Path
    host_key: Path
    process: subprocess.Popen[bytes]

    def url(self, repo: Path) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}{repo}"

    def known_hosts_line(self, host_key: Path | None = None) -> str:
        """The known_hosts entry for this server (for `host_key`'s public half: another key)."""
        public = Path(f"{host_key or self.host_key}.pub").read_text().split()
        return f"[127.0.0.1]:{self.port} {public[0]} {public[1]}\n"

    def known_hosts(self, name: str = "known_hosts", host_key: Path | None = None) -> Path:
        path = self.root / name
        path.write_text(self.known_hosts_line(host_key))
        return path

    def log(self) -> str:
        return (self.root / "sshd.log").read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_sshd(root: Path) -> SshServer:
    binary = sshd_binary()
    root.mkdir(parents=True, exist_ok=True)
    host_key = keygen(root / "host_ed25519", "test host")
    user_key = keygen(root / "user_ed25519", "test user")
    (root / "authorized_keys").write_text(Path(f"{user_key}.pub").read_text())
    user, port = getpass.getuser(), _free_port()
    config = root / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\nPidFile {root / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {root / 'authorized_keys'}\nUsePAM no\nStrictModes no\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
        f"PermitRootLogin prohibit-password\nAllowUsers {user}\nLogLevel VERBOSE\n"
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # what the Debian service creates at start
    with (root / "sshd.log").open("wb") as log:
        process = subprocess.Popen([binary, "-D", "-e", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
    server = SshServer(root, port, user, user_key, host_key, process)
    _wait_for_banner(server)
    return server


def _wait_for_banner(server: SshServer) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"sshd exited with {server.process.returncode}: {server.log()}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1) as sock:
                if sock.recv(64).startswith(b"SSH-2.0"):
                    return
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"sshd did not answer on port {server.port}: {server.log()}")
