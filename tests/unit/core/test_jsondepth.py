"""too_deep: the nesting check every socket runs before parsing a client frame."""

from __future__ import annotations

import json

import pytest

from souk.core.jsondepth import MAX_JSON_DEPTH, too_deep


@pytest.mark.parametrize("raw", [
    b'{"type":"ping"}',
    '{"a":[1,2,{"b":[3]}]}',
    "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH,
    json.dumps({"text": "[" * 5000}),  # brackets inside a string do not nest
    json.dumps({"text": 'say \\"[[[[' + "[" * 100}),
    b"[]" * 5000,  # many brackets, shallow
])
def test_shallow_or_stringy_json_passes(raw: bytes | str) -> None:
    assert not too_deep(raw)


@pytest.mark.parametrize("raw", [
    "[" * 970 + "]" * 970,
    b"[" * 2048,  # 2 KB of [[[[ with no end
    '{"type":"ping","x":' + '{"a":' * 40 + "1" + "}" * 40 + "}",
    ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)).encode(),
])
def test_deep_json_is_caught_before_any_parser_recurses(raw: bytes | str) -> None:
    assert too_deep(raw)
