"""The quick reader (libyaml) gives exactly what ruamel gives, or declines: for any text it reads,
ruamel reads the same documents (values, their types, every position that problem locations use)
with no problem and charges the same nodes to the budget; a text it declines leaves the budget as
it was. And it does read the files people write, so the speed is not lost without a failing test."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from fuzz_trees import HOTFIX, RAW_YAML, VALUES, valid_binding, valid_policy
from hypothesis import HealthCheck, event, example, given, reject, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.compat import StringIO

from reconciler.intent.document import NodeBudget
from reconciler.intent.problems import Problems
from reconciler.intent.quickread import read_clean
from reconciler.intent.yamlread import read_with_ruamel

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25")) * 8
ROOT = Path(__file__).resolve().parents[3]


def shape(value: Any) -> Any:
    """Everything of a document that the loader and problem locations can see."""
    lc: Any = getattr(value, "lc", None)
    if isinstance(value, dict):
        items = [(key, lc.key(key), lc.value(key), shape(child)) for key, child in value.items()]
        return ("map", lc.line, lc.col, items)
    if isinstance(value, list):
        return ("list", lc.line, lc.col, [(lc.item(index), shape(child)) for index, child in enumerate(value)])
    plain = next(kind for kind in (bool, int, float, str, type(None)) if isinstance(value, kind))
    return (plain.__name__, value)


def agree(text: str) -> bool:
    """Both readers agree on `text`; True when the quick one read it."""
    quick_budget, slow_budget = NodeBudget(), NodeBudget()
    quick = read_clean("x.yaml", text, quick_budget)
    if quick is None:
        assert quick_budget.nodes == NodeBudget().nodes
        return False
    problems = Problems()
    slow = read_with_ruamel("x.yaml", text, problems, slow_budget)
    assert problems.rendered() == []
    assert quick_budget.nodes == slow_budget.nodes
    assert [(doc.line, doc.column, shape(doc.data)) for doc in quick] == [
        (doc.line, doc.column, shape(doc.data)) for doc in slow]
    return True


@st.composite
def dumped(draw: st.DrawFn) -> str:
    """Documents as ruamel writes them, in any mix of block and flow style and quoting."""
    documents = draw(st.lists(st.one_of(VALUES, st.just(valid_binding("b", "worker")), st.just(valid_policy())),
                              min_size=1, max_size=3))
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = draw(st.sampled_from([False, True, None]))
    style: str | None = draw(st.sampled_from([None, None, '"', "'", "|", ">"]))
    yaml.default_style = style  # type: ignore[assignment]  # ruamel annotates it as None
    yaml.explicit_start = draw(st.booleans())
    yaml.width = draw(st.sampled_from([20, 80, 4096]))
    yaml.indent(mapping=draw(st.integers(2, 4)), sequence=draw(st.integers(2, 6)), offset=draw(st.integers(0, 2)))
    stream = StringIO()
    try:
        yaml.dump_all(documents, stream)
    except Exception:  # a style or indent the emitter refuses for these values
        reject()
    return str(stream.getvalue())


@st.composite
def edited(draw: st.DrawFn) -> str:
    """Written text with a few characters inserted or removed where a hand edit would put them."""
    text = draw(dumped())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()) and at < len(text):
            text = text[:at] + text[at + 1:]
        else:
            piece = draw(st.sampled_from([" ", "\n", "  ", "- ", ": ", "#", " # note\n", "'", '"', "[", "]", "{",
                                          "}", ",", "? ", "|", ">", "---\n", "...\n", "~", "\r\n", "é", "\u2028"]))
            text = text[:at] + piece + text[at:]
    return text


TOKENS = st.sampled_from(["a", "b c", "'q'", "'it''s'", '"d\\te"', "|", "|-", ">+", "|2", "[a, b]", "{a: b}", "[]",
                          "{}", "~", "1", "-1", "0", "true", "null", "", "a:b", "-", "?", ":", "---", "...", "#c"])


@st.composite
def lines(draw: st.DrawFn) -> str:
    """Lines of YAML-like structure: indents, entries, keys, values, comments, in any order."""
    out = []
    for _ in range(draw(st.integers(1, 8))):
        line = " " * draw(st.integers(0, 5)) + draw(st.sampled_from(["", "- ", "? ", ": ", "- - "])) + draw(TOKENS)
        if draw(st.booleans()):
            line += ":" + draw(st.sampled_from([" ", "", "  "])) + draw(TOKENS)
        out.append(line + draw(st.sampled_from(["", "", " # c", "#c", " "])))
    return "\n".join(out) + draw(st.sampled_from(["\n", "", "\r\n"]))


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(dumped(), edited(), lines(), RAW_YAML))
@example("a: 1\nb:\n- x\n- y: 2\n  z: [1, {q: r}]\n")
@example("key: |\n  lit\n  two\nfold: >\n  fold\n  ed\n\nq: 'it''s'\n")
@example("---\na: 1\n...\n---\n---\nb: [~, null, true, False, -0, 12]\n")
@example("\r\na: 1\r\nb: \"x\\u00e9y\\ttab\"\r\n# é → ü\n")
@example("a:\n- [b, {c: d}]\n-   - e\n    - f\n? g\n: h\n")
@example(">#")  # libyaml reads a comment there; YAML does not
def test_the_quick_reader_reads_what_ruamel_reads(text: str) -> None:
    event("read quickly" if agree(text) else "left to ruamel")


@pytest.mark.parametrize("text", [
    "a: 1.5\n", "a: 0x1f\n", "a: 0o17\n", "a: 017\n", "a: +1\n", "a: 1_000\n", "a: .inf\n", "<<: {a: 1}\n",
    "1: a\n", "true: a\n", "~: a\n", "? [a]\n: b\n", "a: !!str 1\n", "a: ! b\n", "a: &x 1\n", "a: *x\n",
    "a: 1\na: 2\n", "a: 2001-01-01\n", "%YAML 1.2\n---\na: 1\n", "a: [\n", "a: b\u0085c\n", "a: b\u2028c\n",
    "a: \ufeffb\n", "a: \x85\n", "a:\n  b: 1\n c: 2\n", "a: |#\n  x\n", "- >-#\n  x\n",
    "? T", "a:\n", "|\n--- 0", ">\n...\n", "just text\n", '["k":v]\n', "a: ['b':c]\n", '[a, "b" :c]\n',
    "a: 1\n...\n...\n", "a: |\n \n  x\n", "a:\n  b: >\n   \n    x\n",
])
def test_it_leaves_to_ruamel_what_it_is_not_sure_of(text: str) -> None:
    assert not agree(text)


@pytest.mark.parametrize("path", [*sorted((ROOT / "example-repo").rglob("*.yaml")), "benchmark"])
def test_it_reads_the_files_people_write(path: Path | str) -> None:
    text = (f"apiVersion: layering.gitops.dev/v1alpha1\nkind: PoolImageBinding\nmetadata:\n  name: p0001-image\n"
            f"spec:\n  pool: p0001\n  osImageURL: {HOTFIX}\n  stage: 2\n") if path == "benchmark" else Path(
                path).read_text()
    assert agree(text)
