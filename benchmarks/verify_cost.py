"""Benchmark: what `--verify` adds to a pass (a temporary keyring is built and git verifies, every pass).

Makes N trusted SSH and OpenPGP keys, a repository with an SSH-signed and an OpenPGP-signed commit,
then times `Verifier.verify` (keyring build + `git verify-commit`) and a plain snapshot without it.

    .venv/bin/python benchmarks/verify_cost.py [--keys 5] [--rounds 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reconciler.source import GitSource, Verifier

ENV = {**os.environ, "GIT_AUTHOR_NAME": "B", "GIT_AUTHOR_EMAIL": "b@example.com", "GIT_COMMITTER_NAME": "B",
       "GIT_COMMITTER_EMAIL": "b@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    return subprocess.run(args, cwd=cwd, env=env or ENV, check=True, capture_output=True, text=True).stdout


def setup(root: Path, keys: int) -> tuple[Path, Path, str, str]:
    trusted, gnupg, repo = root / "keys", root / "gnupg", root / "repo"
    trusted.mkdir()
    gnupg.mkdir(mode=0o700)
    env = {**ENV, "GNUPGHOME": str(gnupg)}
    for i in range(keys):
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"u{i}@example.com", "-f", str(root / f"ssh{i}"))
        shutil.copy(root / f"ssh{i}.pub", trusted / f"ssh{i}.pub")
        run("gpg", "--batch", "--passphrase", "", "--quick-gen-key", f"U{i} <g{i}@example.com>", "ed25519", "sign",
            "never", env=env)
        (trusted / f"g{i}.asc").write_text(run("gpg", "--batch", "--armor", "--export", f"g{i}@example.com", env=env))
    repo.mkdir()
    run("git", "init", "-q", "-b", "main", cwd=repo)
    run("git", "-c", "gpg.format=ssh", "-c", f"user.signingkey={root / 'ssh0'}", "commit", "-q", "--allow-empty",
        "-S", "-m", "ssh", cwd=repo)
    ssh_sha = run("git", "rev-parse", "HEAD", cwd=repo).strip()
    run("git", "-c", "user.signingkey=g0@example.com", "commit", "-q", "--allow-empty", "-S", "-m", "gpg", cwd=repo,
        env=env)
    gpg_sha = run("git", "rev-parse", "HEAD", cwd=repo).strip()
    run("gpgconf", "--homedir", str(gnupg), "--kill", "all")
    return repo, trusted, ssh_sha, gpg_sha


def timed(rounds: int, action: object) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", type=int, default=5, help="trusted SSH keys and OpenPGP keys, each")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="verify-bench-") as tmp:
        repo, trusted, ssh_sha, gpg_sha = setup(Path(tmp), args.keys)
        verifier = Verifier("head", trusted)
        git_dir = repo / ".git"
        rows = [
            ("snapshot, --verify none", lambda: GitSource(str(repo)).snapshot("main")),
            ("verify SSH-signed commit", lambda: verifier.verify(git_dir, "repo", ssh_sha, None)),
            ("verify OpenPGP-signed commit", lambda: verifier.verify(git_dir, "repo", gpg_sha, None)),
            ("snapshot, --verify head", lambda: GitSource(str(repo), verifier=verifier).snapshot("main")),
        ]
        print(f"{args.keys} trusted SSH keys + {args.keys} OpenPGP keys, {args.rounds} rounds (ms)")
        for label, action in rows:
            median, worst = timed(args.rounds, action)
            print(f"  {label:32} median {median:7.1f}  max {worst:7.1f}")


if __name__ == "__main__":
    main()
