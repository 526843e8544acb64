"""Which files of a bindings repository are read, and the limits applied to them."""

from __future__ import annotations

import os
from pathlib import Path

POLICY_FILE = "layering.yaml"
BINDINGS_DIR = "bindings"
MAX_FILE_BYTES = 1024 * 1024
MAX_SYMLINK_HOPS = 8


def is_wanted(path: str) -> bool:
    """True for `layering.yaml` and every `bindings/**/*.yaml|yml` (repo-relative POSIX path)."""
    if path == POLICY_FILE:
        return True
    return path.startswith(BINDINGS_DIR + "/") and path.endswith((".yaml", ".yml"))


KEEP_FILES = (".gitkeep", ".keep")  # empty placeholders that keep a directory in git


def not_read(path: str, size: int) -> str | None:
    """Why a file the loader skips is refused (`path: …`), or None when skipping it loses nothing.

    Every file under bindings/ is read or refused, so a binding never disappears because its file
    was renamed (`worker.yml.bak`, `worker.json`); `layering.yml` next to the policy's name too.
    """
    if is_wanted(path):
        return None
    if path.startswith(BINDINGS_DIR + "/"):
        if path.rsplit("/", 1)[-1] in KEEP_FILES and size == 0:
            return None
        return (
            f"{path}: not read: only *.yaml and *.yml files under {BINDINGS_DIR}/ hold bindings; "
            f"rename it or move it out of {BINDINGS_DIR}/"
        )
    if path == "layering.yml":
        return f"{path}: not read: the policy is read from {POLICY_FILE} only; rename it"
    return None


def too_large(size: int) -> str:
    return f"file is {size} bytes, over the {MAX_FILE_BYTES} byte limit; refused"


def default_cache_dir() -> Path:
    """Where clones are kept without --cache-dir."""
    return _cache_home() / "repos"


def parse_cache_dir(cache_dir: Path | None) -> Path:
    """The parse cache beside the clones: `<--cache-dir>/parsed`, by default beside `repos/`."""
    return cache_dir / "parsed" if cache_dir is not None else _cache_home() / "parsed"


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")) / "layering-reconciler"
