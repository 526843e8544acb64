"""What the suites share: the simulator's image references (mcosim/data/images.json) and real git."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

BASE_4163 = (
    "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:d8a8c5edf9d012533f213a3694b60a58f5bfdcc5a0abef9a2a9ff5928f3709c9"
)
HOTFIX1 = "quay.io/my-registry/rhcos-hotfix@sha256:8afaccbbe78087b87335a43c082f78d3f663a1865a92ed709154d29d50eb8010"
HOTFIX2 = "quay.io/my-registry/rhcos-hotfix@sha256:5ddc31f7c91d7f7eb845343f3c71bec85023eacd34ed6c658f2ba6e68a842edb"
HOTFIX_4169 = (
    "quay.io/my-registry/rhcos-hotfix@sha256:8c6844831fb963467f45991775ce1702b29bb47df514540f1cee63c818069270"
)
BAD_IMAGE = "quay.io/my-registry/rhcos-hotfix@sha256:" + "0" * 61 + "bad"  # the registry does not know it

GIT_ENV = {  # a fixed identity, and no user or system git configuration
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def kubectl_binary() -> str:
    """kubectl's path; a missing kubectl skips a local run and fails in CI (CI=true), never silently."""
    binary = shutil.which("kubectl")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("kubectl is required in CI but is not on PATH")
        pytest.skip("kubectl is not on PATH")
    return binary
