"""Plain-text tables and notes for `plan` and `status`, laid out in one pass.

The look is that of a simple-head table (a header, a rule, rows; cells padded by one space), and
cells wrap at spaces to fit the width, long words folded. A table of 5,000 rows takes milliseconds,
where a general renderer measures every cell many times over (0.2 s for 500 rows). Strings may hold
newlines; text is never read as markup.
"""

from __future__ import annotations

import functools
import textwrap
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

DEFAULT_WIDTH = 150
RULE = "─"
MAX_FLOOR = 12  # a column narrows down to its longest word, or this many columns


def cell_len(text: str) -> int:
    """Terminal columns of one line: wide East Asian characters take two, combining marks none."""
    if text.isascii():
        return len(text)
    return _wide_len(text)


@functools.lru_cache(maxsize=4096)  # a table repeats its images and arrows in every row
def _wide_len(text: str) -> int:
    return sum(_char_width(c) for c in text)


@functools.lru_cache(maxsize=1024)
def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def wrap(text: str, width: int) -> list[str]:
    """Each line of `text` wrapped at spaces to `width` columns, words longer than that folded."""
    if _fits(text, width):  # most cells of a table
        return [text]
    lines: list[str] = []
    for line in text.split("\n"):
        if cell_len(line) <= width:
            lines.append(line)
        else:
            lines += _fold(textwrap.wrap(line, max(width, 1), break_on_hyphens=False) or [""], width)
    return lines


def _fold(lines: list[str], width: int) -> list[str]:
    """textwrap counts characters; a line of wide characters is cut again by columns."""
    folded: list[str] = []
    for line in lines:
        while cell_len(line) > width > 0:
            cut = _columns_fit(line, width)
            folded.append(line[:cut])
            line = line[cut:]
        folded.append(line)
    return folded


def _columns_fit(line: str, width: int) -> int:
    used = 0
    for index, char in enumerate(line):
        used += _char_width(char)
        if used > width:
            return max(index, 1)
    return len(line)


@dataclass
class Table:
    """Columns with a header each; `min_widths` keeps a column from wrapping below that width."""

    columns: tuple[str, ...]
    title: str | None = None
    min_widths: dict[str, int] = field(default_factory=dict)
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def add_row(self, *cells: str) -> None:
        self.rows.append(cells)

    def lines(self, width: int) -> list[str]:
        widths = self._widths(width)
        out = [self.title] if self.title else []
        out.append("")
        out += _row_lines(self.columns, widths)
        out.append(" " + RULE * (sum(widths) + 3 * len(widths) - 1))
        for row in self.rows:
            out += _row_lines(row, widths)
        out.append("")
        return out

    def _widths(self, width: int) -> list[int]:
        natural, floors = [], []
        for i, name in enumerate(self.columns):
            cells = [name, *(row[i] for row in self.rows)]
            least = self.min_widths.get(name, 0)
            natural.append(max(_longest_line(cells), least))
            floors.append(max(least, min(_longest_word(cells), MAX_FLOOR)))
        return _collapse(natural, floors, width - 3 * len(natural) - 1)


def _longest_line(cells: list[str]) -> int:
    text = "\n".join(cells)
    return max(map(len if text.isascii() else cell_len, text.split("\n")))


def _longest_word(cells: list[str]) -> int:
    text = " ".join(cells)
    return max(map(len if text.isascii() else cell_len, [*text.split(), "-"]))


def _collapse(widths: list[int], floors: list[int], room: int) -> list[int]:
    """Narrow the widest column a column at a time, never below its floor, until all fit in `room`."""
    widths = list(widths)
    while sum(widths) > room:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            break
        widths[max(shrinkable, key=lambda i: widths[i])] -= 1
    return widths


def _row_lines(cells: tuple[str, ...], widths: list[int]) -> list[str]:
    if len(cells) == len(widths) and all(map(_fits, cells, widths)):  # most rows: one line, nothing wrapped
        return ["  " + "   ".join(map(_pad, cells, widths)) + " "]
    wrapped = [wrap(cell, w) for cell, w in zip(cells, widths, strict=True)]
    height = max(len(c) for c in wrapped)
    return [
        "  " + "   ".join(_pad(c[n] if n < len(c) else "", w) for c, w in zip(wrapped, widths, strict=True)) + " "
        for n in range(height)
    ]


def _fits(cell: str, width: int) -> bool:
    return "\n" not in cell and cell_len(cell) <= width


def _pad(text: str, width: int) -> str:
    return text.ljust(width) if text.isascii() else text + " " * (width - cell_len(text))


@dataclass
class Notes:
    """Two columns (subject, message) without a border, so wrapped messages stay aligned."""

    rows: list[tuple[str, str]]

    def lines(self, width: int) -> list[str]:
        subjects = [f"  {subject}:" for subject, _ in self.rows]
        first = max((cell_len(s) for s in subjects), default=0)
        out = []
        for subject, (_, message) in zip(subjects, self.rows, strict=True):
            for n, line in enumerate(wrap(message, max(width - first - 1, 10))):
                out.append(_pad(subject if n == 0 else "", first) + " " + line)
        return out


Part = Table | Notes | str


def table(*columns: str, title: str | None = None, min_widths: dict[str, int] | None = None) -> Table:
    return Table(columns, title, dict(min_widths or {}))


def notes(rows: Iterable[tuple[str, str]]) -> Notes:
    return Notes(list(rows))


def to_string(parts: Iterable[Part], width: int = DEFAULT_WIDTH) -> str:
    """The parts one after another, each line fitted to `width` and stripped of trailing spaces."""
    lines: list[str] = []
    for part in parts:
        lines += wrap(part, width) if isinstance(part, str) else part.lines(width)
    return "".join(line.rstrip() + "\n" for line in lines)
