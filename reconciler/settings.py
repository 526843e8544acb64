"""Where a command's settings come from: the command line, else `LAYERING_*` environment variables.

Every long option `--some-flag` of every command can also be set as `LAYERING_SOME_FLAG`, so a
Deployment needs no command-line edits; the command line wins. Switches (`--wait`) take
true/false/1/0/yes/no; repeatable options take a comma-separated list. Global options (`-v`,
`--log-format`) are accepted before or after the subcommand.

A command's options are added when that command is chosen (`Commands`): one command's parser is
built, not all of them, and the whole tree only when something walks it (the check of unknown
variables, the documentation table).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from reconciler.records import record

ENV_PREFIX = "LAYERING_"
ENV_HELP = (
    "Every option can also be set by an environment variable, LAYERING_ and its name: LAYERING_METRICS_PORT "
    "for --metrics-port (switches take true or false, repeatable options a comma-separated list); the "
    "command line wins."
)
LOG_FORMATS = ("text", "json")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def add_global_options(parser: argparse.ArgumentParser, *, defaults: bool = True) -> None:
    """-v and --log-format. On subcommands (defaults=False) they only override what was given before."""

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    group = parser.add_argument_group("logging")
    group.add_argument("-v", "--verbose", action="store_true", default=default(False), help="debug logging")
    group.add_argument("--log-format", choices=LOG_FORMATS, default=default("text"),
                       help="text (default) or json: one JSON object per line, for log collectors")


def env_name(option: str) -> str:
    """`--metrics-port` -> `LAYERING_METRICS_PORT`."""
    return ENV_PREFIX + option.lstrip("-").replace("-", "_").upper()


@record
class EnvOption:
    """One command's option and the variable that can set it."""

    command: str  # `reconciler run`
    option: str  # `--interval`
    variable: str  # `LAYERING_INTERVAL`
    help: str


class Commands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """Subcommands whose options are added by their `build` function when the command is chosen on
    the command line, or when `parsers` walks the tree. Names, help and descriptions are there from
    the start, so the top-level help and usage errors are those of the whole tree; argparse itself
    picks the command, so only a parser that runs is ever completed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._builders: dict[str, Callable[[argparse.ArgumentParser], None]] = {}
        self._when_built: list[Callable[[argparse.ArgumentParser], None]] = []

    def add_parser(self, name: str, build: Callable[[argparse.ArgumentParser], None] | None = None,
                   **kwargs: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = super().add_parser(name, **kwargs)
        if build is not None:
            self._builders[name] = build
        return parser

    def built(self, name: str) -> argparse.ArgumentParser:
        """The command's parser with its options (added now if not yet)."""
        parser: argparse.ArgumentParser = self.choices[name]
        build = self._builders.pop(name, None)
        if build is not None:
            build(parser)
            for then in self._when_built:
                then(parser)
        return parser

    def is_built(self, name: str) -> bool:
        return name not in self._builders

    def when_built(self, then: Callable[[argparse.ArgumentParser], None]) -> None:
        """Run `then` on each parser this builds from now on."""
        self._when_built.append(then)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        if values and values[0] in self.choices:  # (else argparse's own error, below)
            self.built(values[0])
        super().__call__(parser, namespace, values, option_string)


def add_commands(parser: argparse.ArgumentParser, **kwargs: Any) -> Commands:
    """`parser.add_subparsers(**kwargs)` whose commands are built when chosen."""
    commands = parser.add_subparsers(action=Commands, **kwargs)
    assert isinstance(commands, Commands)
    return commands


def prepare(parser: argparse.ArgumentParser, environ: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    """Put the global options on every subcommand and the environment's values in as defaults (on
    subcommands built later too)."""
    env = os.environ if environ is None else environ
    _prepare(parser, env, subcommand=False)
    return parser


def _prepare(parser: argparse.ArgumentParser, env: Mapping[str, str], subcommand: bool) -> None:
    if subcommand:
        add_global_options(parser, defaults=False)
    parser.epilog = f"{parser.epilog}\n\n{ENV_HELP}" if parser.epilog else ENV_HELP
    for action in _env_actions(parser):
        value = env.get(env_name(_long_option(action)))
        if value is not None:
            action.default = _FromEnv(action, env_name(_long_option(action)), value, action.default)
            action.required = False
    for action in parser._actions:
        if isinstance(action, Commands):
            action.when_built(lambda sub: _prepare(sub, env, subcommand=True))
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if not isinstance(action, Commands) or action.is_built(name):
                    _prepare(sub, env, subcommand=True)


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None,
          environ: Mapping[str, str] | None = None) -> argparse.Namespace:
    """Parse the command line over the environment's values; a bad variable is a usage error naming it."""
    args = prepare(parser, environ).parse_args(argv)
    for dest, value in vars(args).items():
        if isinstance(value, _FromEnv):
            try:
                setattr(args, dest, value.convert())
            except ValueError as exc:
                parser.error(f"{value.variable}={value.raw!r}: {exc}")
    return args


def unknown_variables(parser: argparse.ArgumentParser, environ: Mapping[str, str] | None = None) -> list[str]:
    """LAYERING_* variables no option of any command reads (typos). Builds every command's parser,
    when there is a LAYERING_* variable to check."""
    env = os.environ if environ is None else environ
    if not any(name.startswith(ENV_PREFIX) for name in env):
        return []
    known = {option.variable for option in env_options(parser)}
    return sorted(name for name in env if name.startswith(ENV_PREFIX) and name not in known)


def env_options(parser: argparse.ArgumentParser) -> list[EnvOption]:
    """Every (command, option, variable), for the documentation table."""
    found = []
    for path, sub in parsers(parser):
        for action in _env_actions(sub):
            option = _long_option(action)
            command = " ".join([parser.prog, *path])
            found.append(EnvOption(command, option, env_name(option), _plain_help(action)))
    return found


def markdown_table(parser: argparse.ArgumentParser) -> str:
    """The environment variables table of docs/environment.md (a test keeps the file equal to it)."""
    rows = ["| variable | option | commands | what |", "|---|---|---|---|"]
    by_variable: dict[str, list[EnvOption]] = {}
    for option in env_options(parser):
        by_variable.setdefault(option.variable, []).append(option)
    for variable, options in sorted(by_variable.items()):
        names = [o.command.removeprefix(parser.prog).strip() for o in options]
        commands = ", ".join(f"`{name}`" for name in names) if all(names) else "every command"
        what = options[0].help.replace("|", "\\|")
        rows.append(f"| `{variable}` | `{options[0].option}` | {commands} | {what} |")
    return "\n".join(rows) + "\n"


# ---- internals ---------------------------------------------------------------------------------------
class _FromEnv(list[Any]):
    """Stands in as an option's default until parsing is done: the command line replaces it, or
    `convert` turns the variable's text into the option's value. A list, so that `append` options
    given on the command line start from it (and then win: see `convert`)."""

    def __init__(self, action: argparse.Action, variable: str, raw: str, original: object) -> None:
        super().__init__()
        self.action, self.variable, self.raw, self.original = action, variable, raw, original

    def __str__(self) -> str:  # what `%(default)s` in a help text shows
        return self.raw

    __repr__ = __str__

    def convert(self) -> object:
        action = self.action
        if isinstance(action, argparse._AppendAction):
            if len(self):  # given on the command line: those values alone
                return list(self)
            return [self._typed(item.strip()) for item in self.raw.split(",") if item.strip()]
        if isinstance(action, argparse._StoreConstAction):  # store_true / store_false
            return action.const if switch(self.raw) else self.original
        return self._typed(self.raw)

    def _typed(self, text: str) -> object:
        convert: Callable[[str], object] = self.action.type or str  # type: ignore[assignment]
        try:
            value = convert(text)
        except argparse.ArgumentTypeError as exc:
            raise ValueError(str(exc)) from None
        except (TypeError, ValueError):
            name = getattr(convert, "__name__", "value")
            raise ValueError(f"not a valid {name}") from None
        choices = self.action.choices
        if choices is not None and value not in choices:
            raise ValueError(f"choose from {', '.join(map(str, choices))}")
        return value


def switch(text: str) -> bool:
    """A yes/no value as the command line and the LAYERING_* variables spell it (true/false, 1/0, …)."""
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError("expected true or false (1/0, yes/no)")


def parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
            ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every (command path, parser) of the tree, each with its options (building those not yet built)."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name in list(action.choices):
                sub = action.built(name) if isinstance(action, Commands) else action.choices[name]
                yield from parsers(sub, (*path, name))


def _env_actions(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    """Options a variable can set: long, storing a value, not help/version, not a subcommand copy."""
    for action in parser._actions:
        if not any(option.startswith("--") for option in action.option_strings):
            continue
        if isinstance(action, argparse._HelpAction | argparse._VersionAction | argparse._SubParsersAction):
            continue
        if action.default is argparse.SUPPRESS:  # a global option repeated on a subcommand
            continue
        yield action


def _long_option(action: argparse.Action) -> str:
    return next(option for option in action.option_strings if option.startswith("--"))


def _plain_help(action: argparse.Action) -> str:
    text = " ".join(str(action.help or "").split())
    if action.choices is not None:
        text = f"{text} (one of {', '.join(map(str, action.choices))})".strip()
    return text.replace("%(default)s", str(action.default)).replace("%%", "%")
