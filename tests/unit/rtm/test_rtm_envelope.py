from __future__ import annotations

import msgspec
import pytest

from souk.core.errors import BadRequest, TooLarge
from souk.rtm.broker import Draft
from souk.rtm.envelope import Join, Kind, Moderate, Publish, batch_frame, decode_client, decode_message


def test_client_frames_decode_by_tag() -> None:
    assert decode_client(b'{"t":"join","ch":"r","since":5}', 1024) == Join(ch="r", since=5)
    pub = decode_client(b'{"t":"pub","ch":"r","k":"danmaku","b":{"text":"hi"},"id":"x"}', 1024)
    assert pub == Publish(ch="r", k=Kind.DANMAKU, b={"text": "hi"}, id="x")
    mod = decode_client(b'{"t":"mod","ch":"r","a":"mute","user":"u","dur":30}', 1024)
    assert isinstance(mod, Moderate) and mod.dur == 30.0


@pytest.mark.parametrize("raw, code", [
    (b"{nope", "malformed_frame"),
    (b"\xff\xfe", "malformed_frame"),
    (b'{"t":"pub","ch":"r"}', "bad_frame"),  # no kind
    (b'{"t":"pub","ch":"r","k":"shout"}', "bad_frame"),  # unknown kind
    (b'{"t":"warp","ch":"r"}', "bad_frame"),
    (b'{"t":"join","ch":5}', "bad_frame"),
    (b"[]", "bad_frame"),
])
def test_bad_frames_raise_clear_errors(raw: bytes, code: str) -> None:
    with pytest.raises(BadRequest) as info:
        decode_client(raw, 1024)
    assert info.value.code == code


def test_oversized_frame() -> None:
    with pytest.raises(TooLarge) as info:
        decode_client(b'{"t":"ping","id":"' + b"x" * 2000 + b'"}', 1024)
    assert info.value.code == "frame_too_large"


def test_message_round_trip_and_split_encoding_agree() -> None:
    d = Draft(key="m/r", ch="r", id="c1", kind=Kind.GIFT, body={"gift": "rose", "html": "<img onerror=x>"},
              sender="alice", ts=12.5, name="Alice", role="member")
    raw = d.encode_with(42)
    head, tail = d.encode_split()
    assert head + b"42" + tail == raw
    m = decode_message(raw)
    assert (m.v, m.seq, m.ch, m.id, m.k, m.frm, m.name) == (1, 42, "r", "c1", Kind.GIFT, "alice", "Alice")
    assert m.b["html"] == "<img onerror=x>"  # carried verbatim; clients render it as text


def test_batch_frame_is_valid_json_built_from_encoded_parts() -> None:
    msgs = [Draft(key="m/r", ch="r", id="", kind=Kind.CHAT, body=i, sender="a", ts=1).encode_with(i)
            for i in (1, 2)]
    frame = msgspec.json.decode(batch_frame(b'"r"', msgs, {"like": 3}, hist=True))
    assert frame["t"] == "b" and [m["seq"] for m in frame["m"]] == [1, 2]
    assert frame["agg"] == {"like": 3} and frame["hist"] is True
    assert msgspec.json.decode(batch_frame(b'"r"', [], None)) == {"t": "b", "ch": "r", "m": []}
