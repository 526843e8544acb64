"""A pass's change set in words: one line per change (logs, `sync`, events) and the Event reason."""

from __future__ import annotations

from typing import assert_never

from reconciler.model import Change, Verb

EVENT_REASONS = {
    Verb.CREATED: "LayeringApplied",
    Verb.UPDATED: "LayeringApplied",
    Verb.DELETED: "LayeringRemoved",
    Verb.RESTORED: "LayeringRolledBack",
    Verb.PAUSED: "LayeringPoolPaused",
    Verb.UNPAUSED: "LayeringPoolUnpaused",
}


def change_line(change: Change) -> str:
    """`created MachineConfig/99-layering-worker (<image>)`, `updated … (<old> → <new>)`, …"""
    subject = change.subject
    match change.verb:
        case Verb.CREATED:
            return f"created {subject} ({change.new})"
        case Verb.UPDATED:
            return f"updated {subject} ({change.old} → {change.new})"
        case Verb.DELETED:
            return f"deleted {subject} ({change.reason})" if change.reason else f"deleted {subject}"
        case Verb.RESTORED:
            if change.new is None:
                return f"rolled back: deleted {subject} ({change.reason})"
            return f"rolled back: restored {subject} to {change.new} ({change.reason})"
        case Verb.PAUSED | Verb.UNPAUSED | Verb.UNCHANGED:
            return f"{change.verb.value} {subject}"
        case Verb.SKIPPED:
            return f"skipped {subject} ({change.reason})"
        case _:
            assert_never(change.verb)


def event_reason(change: Change) -> str:
    """The Kubernetes Event reason for a change that wrote (`LayeringApplied`, …)."""
    reason = EVENT_REASONS.get(change.verb)
    if reason is None:
        raise ValueError(f"{change.subject}: a {change.verb.value} change writes nothing to record")
    return reason
