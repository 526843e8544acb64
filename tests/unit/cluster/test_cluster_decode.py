"""API replies are decoded by orjson, and by the standard library where orjson refuses the text: the
values are those json.loads gives for every number the API server can send (it holds numbers as
int64 or float64), whatever the strings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.cluster.api import decode

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
SCALARS = st.none() | st.booleans() | INT64 | st.floats(allow_nan=False, allow_infinity=False) | st.text()
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner,
                                                                                            max_size=4), max_leaves=20)


@given(VALUES, st.booleans())
def test_decode_gives_what_json_loads_gives(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)  # ensure_ascii writes lone surrogates as \ud800
    assert decode(text.encode("utf-8", "surrogatepass")) == json.loads(text)


@pytest.mark.parametrize("text", ['["\\ud800"]', '{"a": 1, "a": 2}', "[NaN, 1]", "[1.5e400]",
                                  '{"n": 18446744073709551615}'])
def test_texts_orjson_refuses_or_reads_apart_are_read_as_json_does(text: str) -> None:
    assert json.dumps(decode(text.encode())) == json.dumps(json.loads(text))


def test_an_integer_past_64_bits_reads_as_the_float_the_api_server_would_hold() -> None:
    assert decode(b"[123456789012345678901234567890]") == [1.2345678901234568e29]


@pytest.mark.parametrize("text", [b"", b"{", b"not json", b'{"a": 1} trailing'])
def test_no_json_is_a_value_error(text: bytes) -> None:
    with pytest.raises(ValueError):
        decode(text)
