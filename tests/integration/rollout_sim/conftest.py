"""A simulated cluster with a canary pool, a bindings repository and the real Reconciler.

`world` runs on 4.16.3 (no MachineConfigNodes); a test parametrized with
`@pytest.mark.parametrize("world", RELEASES, indirect=True)` also runs on 4.19.0 (v1 ones).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rsim_world import RolloutWorld, WorldOptions, open_world


@pytest.fixture
def world(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[RolloutWorld]:
    release = getattr(request, "param", "4.16.3")
    yield from open_world(tmp_path, WorldOptions(release=release))
