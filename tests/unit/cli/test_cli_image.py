"""The image's static contract: base pinned by digest, dependencies from constraints.txt, the paths and
entrypoint the Deployment relies on. (No container engine exists here; tests/e2e/test_e2e_restricted_uid.py
runs the same contract as an arbitrary UID.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[3]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_the_base_is_ubi9_python_pinned_by_digest() -> None:
    base = re.search(r"^ARG BASE=(\S+)$", DOCKERFILE, re.MULTILINE)
    assert base is not None
    assert re.fullmatch(r"registry\.access\.redhat\.com/ubi9/python-311@sha256:[0-9a-f]{64}", base.group(1))
    assert re.findall(r"^FROM (\S+)", DOCKERFILE, re.MULTILINE) == ["${BASE}", "${BASE}"]


def test_the_runtime_contract_of_the_deployment() -> None:
    assert 'ENTRYPOINT ["reconciler", "run"]' in DOCKERFILE
    assert "HOME=/tmp" in DOCKERFILE and "LAYERING_CACHE_DIR=/var/cache/layering-reconciler" in DOCKERFILE
    assert "install -d -m 2775 -o 1001 -g 0 /var/cache/layering-reconciler" in DOCKERFILE  # group 0, g+w
    users = re.findall(r"^USER (\S+)$", DOCKERFILE, re.MULTILINE)
    assert users[-1] == "1001"  # numeric and not root: runAsNonRoot can check it


def test_dependencies_install_from_the_constraints_ci_uses() -> None:
    assert DOCKERFILE.count("--constraint") == 2
    assert "-c constraints.txt" in (ROOT / "scripts" / "test").read_text()
    pins = dict(line.split("==", 1) for line in (ROOT / "constraints.txt").read_text().splitlines()
                if line and not line.startswith("#"))
    pins = {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pins.items()}
    runtime = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for requirement in runtime:
        name = re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0]).lower()
        assert name in pins, f"{name} is not pinned in constraints.txt"
