"""`reconciler demo` runs to the end: roll-out, bake, revert, roll-back, on its embedded cluster."""

from __future__ import annotations

import pytest
from e2e_support import Cli
from testkit import HOTFIX1

BASE_DIGEST = "sha256:d8a8c5edf9d012533f213a3694b60a58f5bfdcc5a0abef9a2a9ff5928f3709c9"


@pytest.mark.slow
def test_the_demo_rolls_out_and_back(cli: Cli) -> None:
    result = cli("demo", timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    for step in ("1. A bindings repository", "2. The plan", "3. Sync and follow the rollout",
                 "4. Roll back with a revert commit", "5. Where things are now"):
        assert step in out, step
    rollout, rollback = out.split("4. Roll back with a revert commit")
    assert "created MachineConfig/99-layering-worker" in rollout
    assert f"* ostree-unverified-registry:{HOTFIX1}" in rollout
    assert "deleted MachineConfig/99-layering-worker" in rollback
    assert f"* ostree-unverified-registry:quay.io/openshift-release-dev/ocp-v4.0-art-dev@{BASE_DIGEST}" in rollback
    assert out.count("done: 1 pool(s) rolled out and baked") == 2
    assert "Traceback" not in result.stderr
