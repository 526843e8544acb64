"""How trust is shown: the commit's verified signatures and the preflight checks of each image."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from reconciler.model import CheckResult, ImageCheck, Verification


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


# ---- preflight checks per image --------------------------------------------------------------------
CHECKS = ("exists", "base", "arch", "bootable")
MARK = {CheckResult.PASS: "✓", CheckResult.FAIL: "✗", CheckResult.WARN: "!", CheckResult.SKIPPED: "-"}


def image_checks_dict(checks: Iterable[ImageCheck]) -> list[dict[str, str]]:
    return [{"pool": c.pool, "image": c.image, "check": c.check, "result": c.result.value, "detail": c.detail}
            for c in checks]


def _by_image(checks: Iterable[ImageCheck]) -> dict[tuple[str, str], dict[str, ImageCheck]]:
    grouped: dict[tuple[str, str], dict[str, ImageCheck]] = {}
    for check in checks:
        grouped.setdefault((check.pool, check.image), {})[check.check] = check
    return grouped


def _cell(check: ImageCheck | None) -> str:
    return "-" if check is None else f"{MARK[check.result]} {check.result.value}"


def image_check_rows(checks: Iterable[ImageCheck], short: Callable[[str], str]) -> list[tuple[str, str]]:
    """(pool image, `exists ✓ pass · base ✗ fail · …`) per bound image, for the table's notes."""
    return [(f"{pool} {short(image)}", " · ".join(f"{name} {_cell(found.get(name))}" for name in CHECKS))
            for (pool, image), found in _by_image(checks).items()]


def image_check_markdown(checks: Iterable[ImageCheck], short: Callable[[str], str]) -> list[str]:
    grouped = _by_image(checks)
    if not grouped:
        return []
    header = "| Pool | Image | " + " | ".join(CHECKS) + " |"
    lines = ["**Image checks**", "", header, "|---|---|" + "---|" * len(CHECKS)]
    for (pool, image), found in grouped.items():
        lines.append(f"| {pool} | `{short(image)}` | " + " | ".join(_cell(found.get(n)) for n in CHECKS) + " |")
    return [*lines, ""]
