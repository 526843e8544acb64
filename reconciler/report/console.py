"""Rendering rich renderables to a string: no colour codes unless asked for."""

from __future__ import annotations

import io
from collections.abc import Iterable

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

DEFAULT_WIDTH = 150


def to_string(renderables: Iterable[RenderableType], width: int = DEFAULT_WIDTH, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )
    for renderable in renderables:
        console.print(renderable)
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def table(*columns: str, title: str | None = None, min_widths: dict[str, int] | None = None) -> Table:
    grid = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, expand=False)
    for column in columns:
        grid.add_column(column, overflow="fold", min_width=(min_widths or {}).get(column))
    return grid


def notes(rows: Iterable[tuple[str, str]], style: str = "") -> Table:
    """Two borderless columns (subject, message) so wrapped messages stay aligned."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for subject, message in rows:
        grid.add_row(plain(f"  {subject}:", style), plain(message))
    return grid


def plain(text: str, style: str = "") -> Text:
    """Literal text: square brackets in messages are never read as markup."""
    return Text(text, style=style)
