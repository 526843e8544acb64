"""YAML files that are refused before they are loaded: alias bombs, duplicate keys, tabs, bad bytes."""

from __future__ import annotations

from intent_cases import binding, snapshot

from reconciler.intent import check

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(20)
)


def test_alias_bomb_refused_without_expanding() -> None:
    problems = check(snapshot({"bindings/bomb.yaml": ALIAS_BOMB}, policy=None))
    assert problems[0] == "bindings/bomb.yaml:1:4: YAML anchor '&a' is not allowed; write values out in full"
    assert "bindings/bomb.yaml:2:8: YAML alias '*a' is not allowed; write the value out" in problems
    assert all("alias" in p or "anchor" in p for p in problems)


def test_duplicate_key_reported_at_second_occurrence() -> None:
    text = binding() + "  pool: infra\n"
    assert check(snapshot({"bindings/w.yaml": text})) == [
        "bindings/w.yaml:8:3: duplicate key 'pool' (first on line 6)",
    ]


def test_tabs_refused() -> None:
    text = binding().replace("  pool:", "\tpool:")
    assert check(snapshot({"bindings/w.yaml": text})) == [
        "bindings/w.yaml:6:1: tab character; YAML must be indented with spaces",
    ]


def test_non_utf8_refused() -> None:
    text = binding().encode().replace(b"worker-hotfix", b"w\xe9rker")
    assert check(snapshot({"bindings/w.yaml": text})) == [
        "bindings/w.yaml:4:10: not valid UTF-8 (byte 0xe9); save the file as UTF-8",
    ]


def test_characters_yaml_does_not_allow_are_located() -> None:
    text = binding().replace("worker-hotfix", "worker\x00hotfix")
    assert check(snapshot({"bindings/w.yaml": text})) == [
        "bindings/w.yaml:4:15: the character U+0000 is not allowed in YAML; remove it",
    ]
    assert check(snapshot({"bindings/w.yaml": "\x7f"}, policy=None)) == [
        "bindings/w.yaml:1:1: the character U+007F is not allowed in YAML; remove it",
    ]


def test_custom_tags_refused() -> None:
    text = binding().replace("pool: worker", "pool: !!python/object:os.system worker")
    problems = check(snapshot({"bindings/w.yaml": text}))
    assert problems == [
        "bindings/w.yaml:6:9: YAML tag 'tag:yaml.org,2002:python/object:os.system' is not allowed"
    ]


def test_syntax_error_and_non_mapping_documents() -> None:
    problems = check(snapshot({"bindings/a.yaml": "- just\n- a list\n", "bindings/b.yaml": "key: 'open\n"}))
    assert problems[0] == "bindings/a.yaml:1:1: expected a PoolImageBinding mapping, got a list"
    assert problems[1].startswith("bindings/b.yaml:2:1: invalid YAML: ")
    assert len(problems) == 2


def test_deep_nesting_refused() -> None:
    problems = check(snapshot({"bindings/deep.yaml": "a: " + "[" * 30 + "]" * 30 + "\n"}))
    assert problems == ["bindings/deep.yaml:1:23: nested more than 20 levels deep"]


def test_a_typed_value_must_fit_its_tag() -> None:
    """ruamel's constructor would fail on these with a KeyError or IndexError (a crash, not a problem)."""
    text = binding(name="!!bool ''", extra="  stage: !!int ''\n")
    assert check(snapshot({"bindings/w.yaml": text})) == [
        "bindings/w.yaml:4:9: '' is not true or false, as its tag !!bool says",
        "bindings/w.yaml:8:10: '' is not an integer, as its tag !!int says",
    ]
    assert check(snapshot({"bindings/w.yaml": binding(extra="  stage: !!float 1\n")})) == []  # 1.0 fits


def test_text_the_yaml_library_fails_on_is_a_located_problem() -> None:
    """ruamel raises plain Python errors on these (an escape past U+10FFFF, a comment it cannot place)."""
    for text, at in (('a: "\\U00110000"\n', "1:7"), ('a: "\\UFFFFFFFF"\n', "1:7"), ("#c\n|2 #c\n", "3:1")):
        (problem,) = check(snapshot({"bindings/w.yaml": text}, policy=None))
        assert problem.startswith(f"bindings/w.yaml:{at}") and "invalid YAML: cannot read this" in problem
