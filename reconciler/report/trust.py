"""How the verified signatures of a commit are shown (plan and status, table, markdown and JSON)."""

from __future__ import annotations

from typing import Any

from reconciler.model import Verification


def verification_dict(verification: Verification | None) -> dict[str, Any] | None:
    """`null` without --verify; else the mode and every verified signature."""
    if verification is None:
        return None
    return {
        "mode": verification.mode,
        "signatures": [
            {"subject": s.subject, "signer": s.signer, "key": s.key, "format": s.format}
            for s in verification.signatures
        ],
    }


def verification_line(verification: Verification | None) -> str:
    """`Verified (--verify head): commit 3f2a… signed by alice@example.com (SHA256:…)`, or a note."""
    if verification is None:
        return "Signatures: not verified (--verify none)"
    return f"Verified (--verify {verification.mode}): {verification.signers}"
