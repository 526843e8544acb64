"""A simulated cluster with a canary pool, a bindings repository and the real Reconciler."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rsim_world import RolloutWorld, open_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[RolloutWorld]:
    yield from open_world(tmp_path)
