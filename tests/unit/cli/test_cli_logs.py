"""Log formats: text for people, one JSON object per line (time, level, message, fields) for collectors."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from reconciler import logs


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_time_level_message_and_fields(restore_root: None) -> None:
    out = io.StringIO()
    logs.configure(log_format="json", stream=out)
    log = logging.getLogger("reconciler")
    log.info("created %s", "MachineConfig/99-layering-worker",
             extra=logs.fields(commit="a" * 40, pool="worker", MachineConfig="99-layering-worker", action="create"))
    log.debug("not shown without -v")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("pass crashed", extra=logs.fields(duration_seconds=1.5, pool=None))
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "created MachineConfig/99-layering-worker"
    assert (first["level"], first["logger"]) == ("info", "reconciler")
    assert first["time"].endswith("Z") and first["time"][10] == "T"
    assert {k: first[k] for k in ("commit", "pool", "MachineConfig", "action")} == {
        "commit": "a" * 40, "pool": "worker", "MachineConfig": "99-layering-worker", "action": "create"}
    assert second["level"] == "error" and second["duration_seconds"] == 1.5 and "pool" not in second
    assert "ValueError: boom" in second["error"]


def test_text_lines_are_the_message(restore_root: None) -> None:
    out = io.StringIO()
    logs.configure(verbose=True, stream=out)
    logging.getLogger("reconciler").debug("pass commit=%s", "abc", extra=logs.fields(commit="abc"))
    assert out.getvalue().rstrip().endswith(" DEBUG pass commit=abc")


def test_client_libraries_never_dump_requests_even_with_v(restore_root: None) -> None:
    out = io.StringIO()
    logs.configure(verbose=True, log_format="json", stream=out)
    for name in ("urllib3.connectionpool", "kubernetes.client.rest", "git.cmd"):
        logging.getLogger(name).debug("Authorization: Bearer secret")
    assert out.getvalue() == ""
