"""Logging for every command: human text on a terminal, or one JSON object per line for collectors.

Structured fields travel as `extra=` on a log call (`log.info("…", extra=fields(commit=…, pool=…))`).
The text format shows the message alone (it already says what the fields say); the JSON format
has `time`, `level`, `logger`, `message`, then the fields.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

TEXT_FORMAT = "%(asctime)s %(levelname)s %(message)s"
_FIELDS_KEY = "layering_fields"


def fields(**values: object) -> dict[str, Any]:
    """`extra=` for a log call: the values the JSON format shows as fields (None values are left out)."""
    return {_FIELDS_KEY: {key: value for key, value in values.items() if value is not None}}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (RFC 3339, UTC), level, logger, message, fields, error."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, _FIELDS_KEY, {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure(verbose: bool = False, log_format: str = "text", stream: TextIO | None = None) -> None:
    """Root logging for a command: INFO (DEBUG with -v) to stderr, in the chosen format."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if verbose else logging.WARNING)  # a line per job
    for chatty in ("kubernetes", "urllib3", "git"):  # request dumps and git command lines: never, even with -v
        logging.getLogger(chatty).setLevel(logging.WARNING)
