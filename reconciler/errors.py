"""The documented exception tree. Messages start with what they are about and carry no secrets.

ReconcilerError
├── InvalidInput      the user must fix the repository or the command line (exit 1, nothing written)
│   └── UntrustedCommit   --verify refused the commit or tag: unsigned, unknown key or bad signature
├── SourceError       the repository cannot be read (unreachable, missing ref, corrupt clone)
├── ClusterError      the cluster could not be read or written
│   ├── Transient     retry with backoff (unreachable, timeouts, 429, 5xx)
│   └── Refused       the API said no (conflict, forbidden, invalid, not found)
└── Blocked           the plan has blocking problems, so nothing was written
"""

from __future__ import annotations

# Exit codes of every command: 0 success / in sync, 1 error, invalid input or a blocking problem,
# 2 (`plan`) changes pending.
EXIT_OK, EXIT_ERROR, EXIT_PENDING = 0, 1, 2


class ReconcilerError(Exception):
    """Base of every error this tool reports to the user."""


class InvalidInput(ReconcilerError):
    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class UntrustedCommit(InvalidInput):
    """A commit (or the tag naming it) failed `--verify`; nothing was planned or written."""

    def __init__(self, message: str, *, commit: str, signer: str = "", reason: str = "") -> None:
        super().__init__(message)
        self.commit = commit
        self.signer = signer
        self.reason = reason


class SourceError(ReconcilerError):
    pass


class ClusterError(ReconcilerError):
    pass


class Transient(ClusterError):
    pass


class Refused(ClusterError):
    def __init__(self, message: str, status: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class NotFound(Refused):
    pass


class Conflict(Refused):
    pass


class Forbidden(Refused):
    pass


class Blocked(ReconcilerError):
    pass
