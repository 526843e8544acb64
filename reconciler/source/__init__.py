"""Reading a bindings repository: a git URL or local repository at a ref, or a plain directory.

The names are imported on first use, so a command pays for gitpython only when it reads git.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from reconciler.source.layout import default_cache_dir

if TYPE_CHECKING:
    from reconciler.source.git_source import GitSource
    from reconciler.source.gitcmd import SshOptions
    from reconciler.source.urls import is_ssh_url, redact
    from reconciler.source.verify import Verifier, VerifyMode
    from reconciler.source.workdir import checkout_problem, read_directory

__all__ = [
    "GitSource",
    "SshOptions",
    "Verifier",
    "VerifyMode",
    "checkout_problem",
    "default_cache_dir",
    "is_ssh_url",
    "read_directory",
    "redact",
]
_HOMES = {"GitSource": "git_source", "SshOptions": "gitcmd", "is_ssh_url": "urls", "redact": "urls",
          "Verifier": "verify", "VerifyMode": "verify", "checkout_problem": "workdir", "read_directory": "workdir"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(f"reconciler.source.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
