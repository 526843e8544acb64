"""A pass's change set in words: one line per change, and the Event reason of each change that wrote."""

from __future__ import annotations

import pytest

from reconciler.model import Change, Verb
from reconciler.report import change_line, event_reason

MC, POOL = "MachineConfig", "MachineConfigPool"
OLD, NEW = "quay.io/x/old@sha256:" + "1" * 64, "quay.io/x/new@sha256:" + "2" * 64


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (Change(MC, "99-layering-w", Verb.CREATED, None, NEW), f"created MachineConfig/99-layering-w ({NEW})",
         "LayeringApplied"),
        (Change(MC, "99-layering-w", Verb.UPDATED, OLD, NEW),
         f"updated MachineConfig/99-layering-w ({OLD} → {NEW})", "LayeringApplied"),
        (Change(MC, "99-layering-w", Verb.DELETED, OLD, None, "no binding wants it"),
         "deleted MachineConfig/99-layering-w (no binding wants it)", "LayeringRemoved"),
        (Change(MC, "99-layering-w", Verb.RESTORED, None, OLD, "node w-0: failed"),
         f"rolled back: restored MachineConfig/99-layering-w to {OLD} (node w-0: failed)", "LayeringRolledBack"),
        (Change(MC, "99-layering-w", Verb.RESTORED, None, None, "node w-0: failed"),
         "rolled back: deleted MachineConfig/99-layering-w (node w-0: failed)", "LayeringRolledBack"),
        (Change(POOL, "w", Verb.PAUSED, reason="window closed"), "paused MachineConfigPool/w", "LayeringPoolPaused"),
        (Change(POOL, "w", Verb.UNPAUSED), "unpaused MachineConfigPool/w", "LayeringPoolUnpaused"),
    ],
)  # fmt: skip
def test_each_write_reads_as_one_line_and_records_its_event(change: Change, line: str, reason: str) -> None:
    assert change.wrote
    assert change_line(change) == line
    assert event_reason(change) == reason


def test_changes_that_wrote_nothing_have_no_event() -> None:
    skipped = Change(MC, "99-layering-w", Verb.SKIPPED, None, NEW, "the reconciler is stopping")
    assert not skipped.wrote
    assert change_line(skipped) == "skipped MachineConfig/99-layering-w (the reconciler is stopping)"
    with pytest.raises(ValueError, match="writes nothing"):
        event_reason(skipped)
