"""The AI attendant in a real consult call on real Janus: it joins while the call rings, a scripted shopper
publishing a WAV of speech hears its answer, the desk callback gets what was said, and it leaves when a
person accepts (after saying so) or at once when the call ends.

Needs Janus, the models and the network namespace: python -m souk.media.netns run -- python -m pytest ...
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "agent"))
from voice_fakes import RecordingBrainSession

from souk.agent.service import VoiceService
from souk.api.stores import StorageAdapter
from souk.bench.attendant import Shopper, measure, wav_pcm
from souk.consult.attendant import IDENTITY, AiAttendant
from souk.consult.roster import HubRoster
from souk.consult.service import ConsultService
from souk.consult.templates import line
from souk.core.clock import SystemClock
from souk.core.settings import CallSettings, load_settings
from souk.core.tenancy import RoomKey
from souk.domain.desk.handoff import Speaker
from souk.domain.desk.staff import StaffProfile
from souk.live.shows import RoomCloser
from souk.media.plane import MediaPlane
from souk.media.roomids import janus_room_id
from souk.signal.hub import Member, Outbox, SignalHub
from souk.storage import Storage, open_storage, seed_demo

pytestmark = [pytest.mark.janus, pytest.mark.models, pytest.mark.timeout(120),
              pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")]

M = "lumen"
SKU = "AP-1001"


@dataclass
class Lines:
    got: list[tuple[str, str, Speaker, str]] = field(default_factory=list)

    async def __call__(self, merchant_id: str, call_id: str, speaker: Speaker, text: str) -> None:
        self.got.append((merchant_id, call_id, speaker, text))

    def of(self, speaker: Speaker) -> list[str]:
        return [text for _, _, who, text in self.got if who is speaker]

    async def wait(self, pred, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline:
                raise AssertionError(f"lines never matched: {self.got}")
            await asyncio.sleep(0.05)


class Brains:
    """The merchant's assistant as the attendant asks for it (brain_for -> new_session); answers at once.
    (The real AssistantService needs ~20 s to warm its router on these 2 cores; the voice path is the same.)"""

    def __init__(self) -> None:
        self.asked: list[tuple[str, dict[str, object]]] = []
        self.sessions: list[RecordingBrainSession] = []

    def brain_for(self, merchant_id: str) -> Brains:
        self.asked.append((merchant_id, {}))
        return self

    def new_session(self, **kwargs: object) -> RecordingBrainSession:
        self.asked[-1][1].update(kwargs)
        self.sessions.append(RecordingBrainSession("Your order shipped yesterday. It arrives on Friday."))
        return self.sessions[-1]


class Staff:
    async def agent(self, merchant_id: str, agent_id: str) -> StaffProfile | None:
        return StaffProfile(merchant_id, agent_id, "Maria") if agent_id == "seller_1" else None


class Watcher:
    """The shopper's signaling seat: what the room tells their client."""

    publisher = None

    def __init__(self, room: RoomKey) -> None:
        self.outbox = Outbox()
        self.room = room

    def frames(self) -> list[bytes]:
        out = []
        while not self.outbox.queue.empty():
            item = self.outbox.queue.get_nowait()
            if item is not None:
                out.append(item)
        return out

    def release_feed(self, feed: str, room: RoomKey | None = None) -> None: ...

    def release_room(self, room: RoomKey) -> None: ...

    async def leave(self, reason: str) -> None: ...

    async def leave_stage(self, reason: str) -> None: ...


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    st = await open_storage(load_settings(None, data_dir=str(tmp_path)))
    await seed_demo(st)
    yield st
    await st.aclose()


@pytest.fixture
async def voice() -> AsyncIterator[VoiceService]:
    from souk.agent.factory import build_voice_engine

    engine = await asyncio.to_thread(build_voice_engine, load_settings())
    service = VoiceService.of(engine, max_sessions=2)
    yield service
    await service.aclose()


async def janus_displays(plane: MediaPlane, room: RoomKey) -> list[str]:
    node_id = plane.pool.node_of(room)
    assert node_id is not None
    link = await plane.link(node_id)
    return [str(p.get("display", "")) for p in await link.control.participants(janus_room_id(room.merchant_id, room.room_id))]


async def until(pred, timeout: float = 10.0) -> float:  # type: ignore[no-untyped-def]
    t0 = time.monotonic()
    while not await pred():
        if time.monotonic() - t0 > timeout:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)
    return time.monotonic() - t0


def calls_of(storage: Storage, media: MediaPlane | None, hub: SignalHub) -> ConsultService:
    adapter = StorageAdapter(storage)
    return ConsultService(CallSettings(ring_timeout_s=120, max_call_s=600), store=adapter, products=adapter,
                          clock=SystemClock(), rooms=RoomCloser(hub, media) if media is not None else None)


async def test_the_ai_answers_a_ringing_call_then_hands_over_and_leaves(
        media_plane: MediaPlane, netns: None, storage: Storage, voice: VoiceService, tmp_path: Path) -> None:
    from souk.bench.agent.utterances import synthesize

    hub = SignalHub()
    calls = calls_of(storage, media_plane, hub)
    lines = Lines()
    assistant = Brains()
    attendant = AiAttendant(media=media_plane, voice=voice, brains=assistant, on_line=lines, clock=SystemClock(),
                            join_after_s=0.2, staff=Staff(), roster=HubRoster(hub))
    calls.add_listener(attendant)
    calls.add_listener(hub)
    shopper: Shopper | None = None
    try:
        call = await calls.request(M, shopper="shopper_a", product_sku=SKU, language="en")
        room = RoomKey(M, call.room_id)
        # the shopper's client joins the room's signaling and publishes their microphone (as SignalSession does)
        seat = Watcher(room)
        hub.add_member(room, Member(identity="shopper_a", role="guest", name="A", session=seat))
        if media_plane.room_spec(room) is None:
            await media_plane.ensure_room(room, kind="consult", max_publishers=3)
        shopper = Shopper(media_plane, room, "shopper_a")
        await shopper.publish()
        ears = await shopper.hear_ai(timeout=15)
        assert attendant.in_call(call.id) and voice.sessions == 1
        # the shopper's client was told: the assistant joined and publishes audio (it subscribes to it)
        told = seat.frames()
        assert any(b'"participant.joined"' in f and IDENTITY.encode() in f for f in told), told
        assert any(b'"published"' in f and IDENTITY.encode() in f for f in told), told
        assert hub.member(room, IDENTITY) is not None and hub.member(room, IDENTITY).feed_id is not None

        # the greeting first: heard through Janus, on the desk's timeline once played
        await lines.wait(lambda: bool(lines.of(Speaker.AI)))
        greeting = line("greeting", "en")[0]
        assert lines.of(Speaker.AI) == [greeting] and greeting.startswith("Hi, I'm the store's assistant.")
        assert len(ears.loud) > 50
        # a question from a WAV file; the answer comes back through Janus
        wav = tmp_path / "question.wav"
        # one sentence: a two-sentence question may end its turn at the full stop (a finished sentence followed by
        # a sure model), and the second sentence then barges in on the answer, which is right but not this test
        utt = synthesize("en", "Where is the lamp I ordered last week?")
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(utt.pcm)
        result = await measure(shopper, [wav_pcm(wav)], answer_timeout_s=15)
        assert result.answered == 1, (result, lines.got)
        answer = "Your order shipped yesterday. It arrives on Friday."
        await lines.wait(lambda: any("order" in t.lower() for t in lines.of(Speaker.SHOPPER))
                         and len(lines.of(Speaker.AI)) >= 2)
        assert assistant.asked == [(M, {"customer_id": None, "language": "en", "channel": "voice"})]
        brain = assistant.sessions[0]
        assert brain.turns and "order" in brain.turns[0].lower()  # the shopper's words reached the brain
        assert lines.of(Speaker.AI)[1] == answer, lines.got
        assert all(mid == M and cid == call.id for mid, cid, _, _ in lines.got)
        await ears.quiet(0.8, timeout=20)
        loud_before = len(ears.loud)
        assert loud_before >= 50  # greeting and answer, heard through Janus (non-silent frames)

        # a person accepts: the AI says so, then leaves the room
        accepted = time.monotonic()
        await calls.accept(M, call.id, "seller_1")
        await lines.wait(lambda: "Maria is joining now." in lines.of(Speaker.AI), timeout=5)
        await until(lambda: _gone(media_plane, room), timeout=6)
        took = time.monotonic() - accepted
        assert 0.8 <= took <= 5.0, took  # it stayed to say the line (about a second), then went
        assert len(ears.loud) > loud_before + 25  # the hand-over line was heard, not cut
        # its feed leaves Janus first; the voice session and the brain close right after

        async def closed() -> bool:
            return not attendant.in_call(call.id) and voice.sessions == 0 and brain.closed

        await until(closed, timeout=3)
        assert hub.member(room, IDENTITY) is None
        assert any(b'"unpublished"' in f and IDENTITY.encode() in f for f in seat.frames())
        assert "shopper_a" in await janus_displays(media_plane, room)  # the call itself goes on
        await calls.hangup(M, call.id, "shopper_a")
    finally:
        if shopper is not None:
            await shopper.aclose()
        await attendant.aclose()
        await calls.aclose()


async def _gone(plane: MediaPlane, room: RoomKey) -> bool:
    return IDENTITY not in await janus_displays(plane, room)


async def test_a_call_ending_while_it_rings_makes_the_ai_leave_at_once(
        media_plane: MediaPlane, netns: None, storage: Storage, voice: VoiceService) -> None:
    hub = SignalHub()
    calls = calls_of(storage, None, hub)  # no room closer: the room stays, so leaving is the AI's own doing
    lines = Lines()
    assistant = Brains()
    attendant = AiAttendant(media=media_plane, voice=voice, brains=assistant, on_line=lines, clock=SystemClock(),
                            join_after_s=0.0, roster=HubRoster(hub))
    calls.add_listener(attendant)
    try:
        call = await calls.request(M, shopper="shopper_b", product_sku=SKU, language="es")
        room = RoomKey(M, call.room_id)
        await until(lambda: _joined(media_plane, room), timeout=10)
        assert media_plane.room_spec(room).max_publishers == 3  # the AI made the room: room for the seller
        await calls.hangup(M, call.id, "shopper_b")  # cancelled while ringing
        took = await until(lambda: _gone(media_plane, room), timeout=5)
        assert took < 1.5
        assert not attendant.in_call(call.id) and voice.sessions == 0 and hub.member(room, IDENTITY) is None
        await lines.wait(lambda: bool(lines.of(Speaker.AI)), timeout=5)
        assert lines.of(Speaker.AI)[0].startswith("Hola")  # the greeting was in the call's language
    finally:
        await attendant.aclose()
        await calls.aclose()


async def _joined(plane: MediaPlane, room: RoomKey) -> bool:
    return plane.room_spec(room) is not None and IDENTITY in await janus_displays(plane, room)


@pytest.mark.parametrize("case", ["no_engine", "busy", "answered_first"])
async def test_the_ai_does_not_join(case: str, media_plane: MediaPlane, netns: None, storage: Storage,
                                    voice: VoiceService) -> None:
    hub = SignalHub()
    calls = calls_of(storage, None, hub)
    assistant = Brains()
    if case == "busy":
        voice.sessions = voice.max_sessions  # e.g. voice widgets hold every session of this node
    attendant = AiAttendant(media=media_plane, voice=None if case == "no_engine" else voice, brains=assistant,
                            on_line=Lines(), clock=SystemClock(), join_after_s=0.5 if case == "answered_first" else 0)
    calls.add_listener(attendant)
    try:
        call = await calls.request(M, shopper="shopper_c", product_sku=SKU, language="en")
        if case == "answered_first":
            await calls.accept(M, call.id, "seller_1")  # a person answered before the AI's turn came
        await asyncio.sleep(1.5)
        assert attendant.joined == 0 and not attendant.in_call(call.id)
        assert media_plane.room_spec(RoomKey(M, call.room_id)) is None  # it never even made the room
        assert attendant.skipped_busy == (1 if case == "busy" else 0)
        assert voice.sessions == (voice.max_sessions if case == "busy" else 0)
    finally:
        voice.sessions = 0
        await attendant.aclose()
        await calls.aclose()


async def test_the_ai_follows_the_shopper_when_they_publish_again(
        media_plane: MediaPlane, netns: None, storage: Storage, voice: VoiceService) -> None:
    hub = SignalHub()
    calls = calls_of(storage, None, hub)
    attendant = AiAttendant(media=media_plane, voice=voice, brains=Brains(), on_line=Lines(), clock=SystemClock(),
                            join_after_s=0.0)
    calls.add_listener(attendant)
    first = second = None
    try:
        call = await calls.request(M, shopper="shopper_d", product_sku=SKU, language="en")
        room = RoomKey(M, call.room_id)
        await until(lambda: _joined(media_plane, room), timeout=10)
        ai = attendant._visits[call.id].participant
        assert ai is not None

        async def hears(shopper: Shopper) -> bool:
            return shopper._pub is not None and ai.listening == shopper._pub.feed_id and ai.frames_heard > 0

        first = Shopper(media_plane, room, "shopper_d")
        await first.publish()
        await until(lambda: hears(first), timeout=10)
        await first.aclose()  # a reconnect: the old feed goes, a new one comes under the same identity
        first = None
        await until(lambda: _now(ai.listening is None), timeout=5)
        heard_before = ai.frames_heard
        second = Shopper(media_plane, room, "shopper_d")
        await second.publish()
        await until(lambda: hears(second), timeout=10)
        await until(lambda: _now(ai.frames_heard > heard_before + 25), timeout=5)
    finally:
        for s in (first, second):
            if s is not None:
                await s.aclose()
        await attendant.aclose()
        await calls.aclose()


async def _now(value: bool) -> bool:
    return value
