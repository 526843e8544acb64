"""Reading a bindings repository: a git URL or local repository at a ref, or a plain directory."""

from reconciler.source.git_source import GitSource, default_cache_dir
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
