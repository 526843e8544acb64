"""Puts tests/ on the import path so every suite can share `testkit`; fixtures several suites use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from signing import Signers


@pytest.fixture(scope="module")
def signers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Signers]:
    """An SSH and an OpenPGP signer (real ssh-keygen and gpg keys in a temporary home)."""
    made = Signers(tmp_path_factory.mktemp("signers"))
    yield made
    made.close()
