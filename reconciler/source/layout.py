"""Which files of a bindings repository are read, and the limits applied to them."""

from __future__ import annotations

POLICY_FILE = "layering.yaml"
BINDINGS_DIR = "bindings"
MAX_FILE_BYTES = 1024 * 1024
MAX_SYMLINK_HOPS = 8


def is_wanted(path: str) -> bool:
    """True for `layering.yaml` and every `bindings/**/*.yaml|yml` (repo-relative POSIX path)."""
    if path == POLICY_FILE:
        return True
    return path.startswith(BINDINGS_DIR + "/") and path.endswith((".yaml", ".yml"))


def too_large(size: int) -> str:
    return f"file is {size} bytes, over the {MAX_FILE_BYTES} byte limit; refused"
