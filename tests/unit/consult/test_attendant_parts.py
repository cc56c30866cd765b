"""The attendant's pure parts: its templates, its seat in the signaling hub, what goes on the timeline."""

from __future__ import annotations

import asyncio
import json

import pytest

from souk.consult.attendant import IDENTITY, AiAttendant, _Visit, voice_language
from souk.consult.models import Call, CallState
from souk.consult.roster import HubRoster
from souk.consult.templates import LANGUAGES, T, line
from souk.core.clock import ManualClock
from souk.core.tenancy import RoomKey
from souk.domain.desk.handoff import Speaker
from souk.signal.hub import Member, Outbox, SignalHub

ROOM = RoomKey("lumen", "room_1")


def test_every_line_is_in_every_language_and_fills_the_name() -> None:
    for key, lines in T.items():
        assert set(lines) == set(LANGUAGES), key
    assert line("joining", "es-MX", name="Maria") == ("Maria se une ahora.", "es")
    assert line("joining", "zh", name="李娜") == ("李娜现在加入通话。", "zh")
    assert line("joining_unnamed", "fr") == ("A member of our team is joining now.", "en")  # no French: English
    assert line("greeting", "")[1] == "en"
    assert line("joining", "en", name="{x}")[0] == "{x} is joining now."  # a name is never a template


class Seat:
    publisher = None

    def __init__(self) -> None:
        self.outbox = Outbox()
        self.room = ROOM

    def told(self) -> list[dict[str, object]]:
        out = []
        while not self.outbox.queue.empty():
            item = self.outbox.queue.get_nowait()
            if item is not None:
                out.append(json.loads(item))
        return out

    def release_feed(self, feed: str, room: RoomKey | None = None) -> None: ...

    def release_room(self, room: RoomKey) -> None: ...

    async def leave(self, reason: str) -> None: ...

    async def leave_stage(self, reason: str) -> None: ...


async def test_the_roster_announces_the_ai_and_withdraws_it() -> None:
    hub = SignalHub()
    shopper = Seat()
    hub.add_member(ROOM, Member(identity="shopper_a", role="guest", name="A", session=shopper))
    left: list[str] = []

    async def leave(reason: str) -> None:
        left.append(reason)

    roster = HubRoster(hub)
    assert roster.enter(ROOM, IDENTITY, "Assistant", leave)
    roster.published(ROOM, IDENTITY, 42)
    told = shopper.told()
    assert [x["type"] for x in told] == ["participant.joined", "published"]
    assert told[0]["participant"] == {"identity": IDENTITY, "role": "assistant", "name": "Assistant"}
    assert told[1]["feed"]["participant"] == IDENTITY and told[1]["feed"]["audio"] and not told[1]["feed"]["video"]
    assert hub.member(ROOM, IDENTITY).feed_id == 42
    assert hub.member(RoomKey("other", "room_1"), IDENTITY) is None  # another merchant's room of that id
    await hub.close_room(ROOM, "ended")  # the call ended: the AI's seat is told to leave like anyone
    assert left == ["ended"]
    roster.exit(ROOM, IDENTITY)
    assert [x["type"] for x in shopper.told()] == ["room.closed", "unpublished", "participant.left"]
    assert hub.member(ROOM, IDENTITY) is None
    roster.exit(ROOM, IDENTITY)  # idempotent


async def test_the_roster_never_replaces_a_real_participant_of_that_identity() -> None:
    hub = SignalHub()
    real = Seat()
    hub.add_member(ROOM, Member(identity=IDENTITY, role="guest", name="Mallory", session=real))

    async def leave(reason: str) -> None: ...

    roster = HubRoster(hub)
    assert not roster.enter(ROOM, IDENTITY, "Assistant", leave)
    roster.published(ROOM, IDENTITY, 7)
    roster.exit(ROOM, IDENTITY)
    assert hub.member(ROOM, IDENTITY).session is real and hub.member(ROOM, IDENTITY).feed_id is None


def _call() -> Call:
    return Call(id="call_1", merchant_id="lumen", room_id="room_1", shopper="shopper_a", product_sku="AP-1001",
                language="en", state=CallState.RINGING, requested_at=0.0)


async def test_lines_are_what_the_shopper_heard_in_order() -> None:
    got: list[tuple[str, str, Speaker, str]] = []

    async def on_line(merchant_id: str, call_id: str, speaker: Speaker, text: str) -> None:
        got.append((merchant_id, call_id, speaker, text))

    attendant = AiAttendant(media=None, voice=None, brains=None, on_line=on_line,  # type: ignore[arg-type]
                            clock=ManualClock())
    visit = _Visit(_call(), ROOM)
    heard = attendant._heard
    heard(visit, {"type": "agent_text", "utterance": 1, "text": "Hi, how can I help?", "scripted": True})
    heard(visit, {"type": "audio_end", "utterance": 1, "interrupted": False})
    heard(visit, {"type": "transcript", "final": True, "text": " where is my order ", "turn": 1})
    heard(visit, {"type": "transcript", "final": True, "text": "  ", "turn": 2})  # nothing said: no line
    heard(visit, {"type": "agent_text", "utterance": 2, "text": "Your order shipped yesterday. It arrives Friday."})
    heard(visit, {"type": "audio_end", "utterance": 2, "interrupted": True, "heard_text": "Your order shipped"})
    heard(visit, {"type": "agent_text", "utterance": 3, "text": "Sorry, go on."})
    heard(visit, {"type": "audio_end", "utterance": 3, "interrupted": True, "heard_text": ""})  # not heard at all
    heard(visit, {"type": "agent_text", "utterance": 4, "text": "Said as we left."})  # still pending at leaving
    await attendant._leave(visit)
    await asyncio.sleep(0)
    await attendant.aclose()
    assert [(s, t) for _, _, s, t in got] == [
        (Speaker.AI, "Hi, how can I help?"), (Speaker.SHOPPER, "where is my order"),
        (Speaker.AI, "Your order shipped…"), (Speaker.AI, "Said as we left.")]
    assert all(m == "lumen" and c == "call_1" for m, c, _, _ in got)


async def test_the_hand_over_line_is_known_by_its_utterance() -> None:
    async def on_line(*_: object) -> None: ...

    attendant = AiAttendant(media=None, voice=None, brains=None, on_line=on_line,  # type: ignore[arg-type]
                            clock=ManualClock())
    visit = _Visit(_call(), ROOM)
    attendant._heard(visit, {"type": "agent_text", "utterance": 5, "text": "An answer."})
    visit.handover = True
    attendant._heard(visit, {"type": "agent_text", "utterance": 6, "text": "Maria is joining now.", "scripted": True})
    attendant._heard(visit, {"type": "audio_end", "utterance": 5, "interrupted": True, "heard_text": "An"})
    assert not visit.handover_said.is_set()
    attendant._heard(visit, {"type": "audio_end", "utterance": 6, "interrupted": False})
    assert visit.handover_said.is_set()
    await attendant.aclose()


def test_without_a_voice_engine_it_never_joins() -> None:
    async def on_line(*_: object) -> None: ...

    attendant = AiAttendant(media=None, voice=None, brains=None, on_line=on_line,  # type: ignore[arg-type]
                            clock=ManualClock())
    assert not attendant.enabled
    attendant.call_changed(_call())
    assert not attendant.in_call("call_1")


@pytest.mark.parametrize("node", ["node2", ""])
async def test_only_the_node_that_rang_the_call_joins(node: str) -> None:
    class Voice:
        max_sessions, sessions = 1, 1  # busy: it stops there, after deciding to go

        async def engine(self) -> object:
            raise AssertionError("never asked")

    async def on_line(*_: object) -> None: ...

    attendant = AiAttendant(media=None, voice=Voice(), brains=None, on_line=on_line,  # type: ignore[arg-type]
                            clock=ManualClock(), join_after_s=0, node_id="node1")
    attendant.call_changed(Call(**{**_call().to_json(), "state": CallState.RINGING, "node": node}))
    assert not attendant.in_call("call_1")  # rung by another node (or none): that node's AI goes
    attendant.call_changed(Call(**{**_call().to_json(), "state": CallState.RINGING, "node": "node1"}))
    assert attendant.in_call("call_1")
    await asyncio.sleep(0.01)
    assert attendant.skipped_busy == 1 and not attendant.in_call("call_1")
    await attendant.aclose()


def test_the_voice_session_gets_the_calls_base_language() -> None:
    assert [voice_language(x) for x in ("pt-BR", "zh_CN", "EN", "", "x", "english")] == ["pt", "zh", "en", None,
                                                                                          None, None]
