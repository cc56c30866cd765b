"""Replay assembly from a synthetic channel history."""

from __future__ import annotations

import json

from souk.live.replay import assemble, decode


def test_chapters_and_chat_at_offsets() -> None:
    msgs = [
        {"k": "chat", "b": {"text": "before"}, "frm": "a", "name": "A", "ts": 99.0},
        {"k": "system", "b": {"type": "pin", "card": {"sku": "LAMP", "name": "Lamp"}}, "frm": "live", "ts": 101.5},
        {"k": "chat", "b": {"text": "<b>hi</b>"}, "frm": "a", "name": "A", "ts": 102.0},
        {"k": "system", "b": {"type": "unpin", "sku": "LAMP"}, "frm": "live", "ts": 102.5},
        {"k": "like", "b": {}, "frm": "a", "ts": 102.6},
        {"k": "danmaku", "b": "wow", "frm": "b", "name": "B", "ts": 103.0},
        {"k": "chat", "b": {"text": "after"}, "frm": "a", "ts": 200.0},
    ]
    raws = [json.dumps(m).encode() for m in msgs] + [b"not json"]
    chapters, chat = assemble(decode(raws), 100.0, 110.0)
    assert chapters == [{"at_s": 1.5, "sku": "LAMP", "card": {"sku": "LAMP", "name": "Lamp"}}]
    assert chat == [{"at_s": 2.0, "sender": "a", "name": "A", "kind": "chat", "text": "<b>hi</b>"},
                    {"at_s": 3.0, "sender": "b", "name": "B", "kind": "danmaku", "text": "wow"}]
