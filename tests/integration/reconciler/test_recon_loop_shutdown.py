"""`run` stopping: a pass that fails because the shutdown signal also reached git is not a failure."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from recon_world import World

from reconciler.controller.loop import Loop
from reconciler.model import Snapshot
from reconciler.source import GitSource


@dataclass
class SignalArrivesDuringTheRead:
    """The real source, with the shutdown signal landing while it reads (as Ctrl-C reaches git too)."""

    source: GitSource
    loop: Loop | None = None

    def snapshot(self, ref: str | None = None) -> Snapshot:
        assert self.loop is not None
        self.loop.stopping.set()
        return self.source.snapshot(ref)


def test_a_pass_cut_short_by_the_shutdown_is_not_retried_or_reported_as_failed(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    gone = GitSource(str(world.repo.path / "no-such-repository"), cache_dir=world.cache)
    source = SignalArrivesDuringTheRead(gone)
    reconciler = world.reconciler()
    reconciler.source = source
    loop = Loop(reconciler, interval=60)
    source.loop = loop
    with caplog.at_level(logging.INFO, logger="reconciler"):
        loop.tick()
    assert loop.failures == 0
    assert [r.levelname for r in caplog.records] == ["INFO"]
    assert "interrupted by the shutdown" in caplog.records[0].getMessage()
