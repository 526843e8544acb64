"""The plain-text tables of plan and status: layout, wrapping to the width, and nothing lost."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.report.console import cell_len, notes, table, to_string, wrap

WORD = st.text(alphabet="abcxyz0123-_@…→", min_size=1, max_size=14)  # wide characters: below
CELL = st.lists(WORD, min_size=0, max_size=6).map(" ".join)


def test_a_table_has_a_header_a_rule_and_padded_cells() -> None:
    grid = table("Pool", "Action", title="Rollout order")
    grid.add_row("worker", "create")
    grid.add_row("infra", "delete")
    assert to_string([grid]).splitlines() == [
        "Rollout order",
        "",
        "  Pool     Action",
        " ─────────────────",
        "  worker   create",
        "  infra    delete",
        "",
    ]


def test_cells_wrap_at_spaces_and_long_words_fold_to_fit_the_width() -> None:
    grid = table("Pool", "Message")
    grid.add_row("worker", "the drain of node worker-0 waits for PodDisruptionBudget/db " + "x" * 60)
    lines = to_string([grid], width=40).splitlines()
    assert all(cell_len(line) <= 40 for line in lines)
    assert lines[3].startswith("  worker   the drain of node")
    assert "".join(line[11:].strip() for line in lines[3:]).endswith("x" * 60)


def test_a_minimum_width_keeps_a_column_whole() -> None:
    image = "rhcos-hotfix@sha256:8afacc…8010"
    grid = table("Pool", "Image", min_widths={"Image": len(image)})
    grid.add_row("worker-with-a-long-name", image)
    assert any(line.endswith(image) for line in to_string([grid], width=30).splitlines())


def test_notes_keep_wrapped_messages_aligned_under_the_first_line() -> None:
    text = to_string([notes([("MachineConfig/99-x", "one two three four five six"), ("a", "b")])], width=35)
    assert text.splitlines() == [
        "  MachineConfig/99-x: one two three",
        "                      four five six",
        "  a:                  b",
    ]


def test_wide_characters_take_two_columns() -> None:
    assert cell_len("界a") == 3
    assert wrap("界界界", 4) == ["界界", "界"]


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(CELL, CELL, CELL), min_size=1, max_size=8), width=st.integers(50, 160))
def test_every_cell_survives_in_its_column_and_lines_fit(rows: list[tuple[str, str, str]], width: int) -> None:
    """Property: whatever the cells, reading a column top to bottom gives its cells' text in order
    (only spaces and line breaks added), and no line is wider than the width while the column floors
    (their longest word, at most 12 columns) allow it."""
    grid = table("A", "B", "C")
    for row in rows:
        grid.add_row(*row)
    lines = to_string([grid], width=width).splitlines()
    assert all(cell_len(line) <= width for line in lines)
    header, body = lines[1], lines[3:-1]
    starts = [header.index(name) for name in "ABC"] + [width + 1]
    for column in range(3):
        read = "".join(line[starts[column]:starts[column + 1] - 3] for line in body)
        assert "".join(read.split()) == "".join("".join(row[column].split()) for row in rows)
