"""Settings: every option from a LAYERING_* variable (the command line wins), global options on either
side of the subcommand, clear errors naming a bad variable, and the documentation table in sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler import settings
from reconciler.cli import build_parser

DOC = Path(__file__).parents[3] / "docs" / "environment.md"


def parse(argv: list[str], **env: str) -> dict[str, object]:
    return vars(settings.parse(build_parser(), argv, env))


def test_every_option_named_in_the_deployment_interface_has_its_variable() -> None:
    options = settings.env_options(build_parser())
    run = {o.variable for o in options if o.command == "reconciler run"}
    assert {"LAYERING_REPO", "LAYERING_REF", "LAYERING_INTERVAL", "LAYERING_METRICS_PORT", "LAYERING_NAMESPACE",
            "LAYERING_TOKEN_FILE", "LAYERING_SSH_KEY_FILE", "LAYERING_KNOWN_HOSTS_FILE", "LAYERING_CACHE_DIR",
            "LAYERING_KUBECONFIG"} <= run
    assert {o.variable for o in options if o.command == "reconciler"} == {"LAYERING_VERBOSE", "LAYERING_LOG_FORMAT"}


def test_a_deployment_needs_no_arguments_but_the_command() -> None:
    args = parse(["run"], LAYERING_REPO="https://git.example.com/b.git", LAYERING_INTERVAL="90s",
                 LAYERING_METRICS_PORT="8080", LAYERING_LOG_FORMAT="json", LAYERING_NAMESPACE="gitops",
                 LAYERING_TOKEN_FILE="/etc/layering-reconciler/git/token", LAYERING_CACHE_DIR="/var/cache/x",
                 LAYERING_VERBOSE="true")
    assert args["repo"] == "https://git.example.com/b.git"
    assert args["interval"] == 90 and args["metrics_port"] == 8080 and args["log_format"] == "json"
    assert args["namespace"] == "gitops" and args["verbose"] is True
    assert args["token_file"] == Path("/etc/layering-reconciler/git/token")
    assert args["cache_dir"] == Path("/var/cache/x")


def test_the_command_line_wins_over_the_environment() -> None:
    args = parse(["run", "--repo", "/here", "--interval", "5m", "--log-format", "text"],
                 LAYERING_REPO="/there", LAYERING_INTERVAL="1s", LAYERING_LOG_FORMAT="json")
    assert (args["repo"], args["interval"], args["log_format"]) == ("/here", 300, "text")


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("1", True), ("yes", True), ("False", False),
                                                ("0", False), ("", False)])
def test_switches_take_true_and_false(text: str, expected: bool) -> None:
    assert parse(["sync", "--repo", "."], LAYERING_WAIT=text)["wait"] is expected


def test_repeatable_options_take_a_comma_separated_list() -> None:
    assert parse(["sim", "up"], LAYERING_POOL="canary=1, infra=2")["pool"] == ["canary=1", "infra=2"]
    assert parse(["sim", "up", "--pool", "x=3"], LAYERING_POOL="canary=1")["pool"] == ["x=3"]
    assert parse(["sim", "up"])["pool"] == []


@pytest.mark.parametrize(("command", "env", "message"), [
    ("sync", {"LAYERING_WAIT": "maybe"}, "LAYERING_WAIT='maybe': expected true or false (1/0, yes/no)"),
    ("sync", {"LAYERING_TIMEOUT": "soon"}, "LAYERING_TIMEOUT='soon': "),
    ("plan", {"LAYERING_LOG_FORMAT": "xml"}, "LAYERING_LOG_FORMAT='xml': choose from text, json"),
    ("plan", {"LAYERING_OUTPUT": "yaml"}, "LAYERING_OUTPUT='yaml': choose from table, json, markdown"),
    ("run", {"LAYERING_METRICS_PORT": "http"}, "LAYERING_METRICS_PORT='http': not a valid int"),
])
def test_a_bad_variable_is_a_usage_error_naming_it(command: str, env: dict[str, str], message: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse([command, "--repo", ".", "--sim"], **env)
    assert exited.value.code == 1
    assert f"reconciler: error: {message}" in capsys.readouterr().err


def test_a_variable_for_another_command_is_not_checked() -> None:
    """LAYERING_OUTPUT=markdown is valid for plan and not for status: it only counts where it is read."""
    assert parse(["plan", "--repo", "."], LAYERING_OUTPUT="markdown")["output"] == "markdown"
    assert parse(["validate"], LAYERING_OUTPUT="markdown")["path"] == Path(".")


def test_a_required_option_can_come_from_the_environment(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse(["plan"], LAYERING_REPO="/r")["repo"] == "/r"
    with pytest.raises(SystemExit):
        parse(["plan"])
    assert "the following arguments are required: --repo" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["-v", "--log-format", "json", "validate", "."],
    ["validate", "-v", "--log-format", "json", "."],
    ["-v", "validate", ".", "--log-format", "json"],
    ["sim", "images", "-v", "--log-format=json"],
])
def test_global_options_work_before_or_after_the_subcommand(argv: list[str]) -> None:
    args = parse(argv)
    assert args["verbose"] is True and args["log_format"] == "json"


def test_a_global_option_after_the_subcommand_wins_over_one_before() -> None:
    assert parse(["--log-format", "json", "validate", "--log-format", "text"])["log_format"] == "text"
    assert parse(["validate"], LAYERING_LOG_FORMAT="json")["log_format"] == "json"
    assert parse(["validate", "--log-format", "text"], LAYERING_LOG_FORMAT="json")["log_format"] == "text"


def test_unknown_variables_are_found() -> None:
    env = {"LAYERING_REPOO": "x", "LAYERING_REPO": "y", "OTHER": "z"}
    assert settings.unknown_variables(build_parser(), env) == ["LAYERING_REPOO"]


def test_every_help_mentions_the_variables(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["run", "--help"], ["status", "--help"], ["sim", "up", "--help"]):
        with pytest.raises(SystemExit):
            settings.parse(build_parser(), argv, {})
        assert "LAYERING_METRICS_PORT for --metrics-port" in " ".join(capsys.readouterr().out.split())


def test_the_documented_table_is_the_parser_s() -> None:
    """docs/environment.md is generated: `python scripts/environment-doc` rewrites it."""
    table = settings.markdown_table(build_parser())
    assert table in DOC.read_text(), "docs/environment.md is stale: run python scripts/environment-doc"
    assert "| `LAYERING_SSH_KEY_FILE` | `--ssh-key-file` |" in table
