"""Status conditions as the MCO writes them: lastTransitionTime moves only when the status flips."""

from __future__ import annotations

from typing import Any

from ..clock import rfc3339


def find(conditions: list[dict[str, Any]], ctype: str) -> dict[str, Any] | None:
    return next((c for c in conditions if c.get("type") == ctype), None)


def set_condition(
    conditions: list[dict[str, Any]], ctype: str, status: str, reason: str, message: str, now: float
) -> None:
    """Set (or add) one condition in place."""
    current = find(conditions, ctype)
    if current is None:
        conditions.append(
            {
                "type": ctype,
                "status": status,
                "reason": reason,
                "message": message,
                "lastTransitionTime": rfc3339(now),
            }
        )
        return
    if current.get("status") != status:
        current["lastTransitionTime"] = rfc3339(now)
    current.update(status=status, reason=reason, message=message)


def status_of(obj: dict[str, Any], ctype: str) -> str | None:
    cond = find((obj.get("status") or {}).get("conditions") or [], ctype)
    return None if cond is None else cond.get("status")
