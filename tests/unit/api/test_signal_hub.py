"""The signaling hub's fan-out and bounded outboxes (pure, no sockets)."""

from __future__ import annotations

import json

from souk.signal import messages as m
from souk.signal.hub import Outbox, SignalHub
from souk.consult.models import Call, CallState


def _call(state: CallState, merchant: str = "lumen", room: str = "room_1") -> Call:
    return Call(id="call_1", merchant_id=merchant, room_id=room, shopper="s", product_sku="AP-1", language="en",
                state=state, requested_at=1.0)


def _drain(box: Outbox) -> list[dict[str, object]]:
    out = []
    while not box.queue.empty():
        frame = box.queue.get_nowait()
        assert frame is not None
        out.append(json.loads(frame))
    return out


def test_call_events_reach_the_merchants_consoles_and_the_rooms_watchers_only() -> None:
    hub = SignalHub(ring_timeout_s=30)
    console, other_console, watcher, other_room = Outbox(), Outbox(), Outbox(), Outbox()
    hub.watch_console("lumen", console)
    hub.watch_console("acme", other_console)
    hub.watch_room("room_1", watcher)
    hub.watch_room("room_2", other_room)
    hub.call_changed(_call(CallState.RINGING))
    ring = _drain(console)
    assert ring == _drain(watcher)
    assert ring[0]["call"]["state"] == "ringing" and ring[0]["call"]["ring_timeout_s"] == 30  # type: ignore[index]
    assert _drain(other_console) == [] and _drain(other_room) == []
    hub.unwatch(console)
    hub.call_changed(_call(CallState.MISSED))
    assert _drain(console) == [] and _drain(watcher)[0]["call"]["state"] == "missed"  # type: ignore[index]


def test_a_client_that_stops_reading_overflows_and_is_cut_off() -> None:
    box = Outbox(limit=3)
    assert all(box.push(m.Pong(id=str(i))) for i in range(3))
    assert box.push(m.Pong(id="x")) is False and box.overflowed
    assert box.push(m.Pong(id="y")) is False  # stays cut off; the socket loop closes it with 4429
