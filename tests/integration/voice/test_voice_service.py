"""VoiceRooms (souk.voice.service) over real storage (SQLite and PostgreSQL), a recording publisher and a
recording voice plane: every seat change is announced once with its version, the plane follows the map
(kick on a lost seat, mute on a mute change), talking events reach the channel, a plane failure at open
leaves no live room behind."""

from __future__ import annotations

import asyncio
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import Conflict, Forbidden, Unavailable
from souk.core.tenancy import RoomKey
from souk.domain.consent import Channel as ConsentChannel
from souk.domain.consent import ConsentKind
from souk.domain.seats import (
    Actor,
    AnswerInvite,
    InviteToSeat,
    Kick,
    LeaveSeat,
    Move,
    Mute,
    RaiseHand,
    TakeSeat,
)
from souk.domain.voice_rooms import VoiceRoomSpec
from souk.live.recording import Binaries, Recorder
from souk.media.voice_plane import SpeakerJoined, SpeakerLeft, SpeakerState, Talking, VoiceEvent
from souk.privacy.consent import ConsentService
from souk.storage import Storage
from souk.voice.recording import recording_name
from souk.voice.service import VoiceRooms
from tests.contract.storage.conftest import A, merchant

HOST = Actor("host", "Host", host=True)
ANN = Actor("ann", "Ann")
KEY = RoomKey(A, "v1")


class Channel:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def publish(self, merchant_id: str, room_id: str, body: dict[str, Any], cid: str = "") -> int | None:
        assert (merchant_id, room_id) == (A, "v1")
        self.sent.append(body)
        return len(self.sent)

    def kinds(self) -> list[str]:
        return [e["kind"] for b in self.sent if b["type"] == "seats" for e in b["events"]]


class Plane:
    def __init__(self, *, fail_ensure: bool = False) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.fail_ensure = fail_ensure
        self.callbacks: list[Callable[[VoiceEvent], None]] = []
        self.connected: set[str] = set()

    async def ensure_room(self, room: RoomKey, *, seats: int, prebuffer: int = 2, record: str | None = None,
                          region: str | None = None) -> object:
        if self.fail_ensure:
            raise Unavailable("janus is down", code="media_unavailable")
        self.calls.append(("ensure", room, seats, prebuffer, record))
        return object()

    async def destroy_room(self, room: RoomKey) -> bool:
        self.calls.append(("destroy", room))
        return True

    async def mute(self, room: RoomKey, identity: str, muted: bool) -> bool:
        self.calls.append(("mute", identity, muted))
        return True

    async def kick(self, room: RoomKey, identity: str) -> bool:
        self.calls.append(("kick", identity))
        return True

    async def speakers(self, room: RoomKey) -> list[SpeakerState]:
        return [SpeakerState(who, False, False, True) for who in sorted(self.connected)]

    def on_event(self, callback: Callable[[VoiceEvent], None]) -> None:
        self.callbacks.append(callback)


async def settle(clock: ManualClock) -> None:
    """Let paced announcements out: time passes in steps until nothing waits."""
    for _ in range(10):
        await clock.advance(1.0)
        for _ in range(5):
            await asyncio.sleep(0)


@pytest.fixture
async def shop(storage: Storage) -> Storage:
    await storage.merchants.create(merchant(A))
    return storage


async def test_open_hand_invite_seat_mute_kick_end(shop: Storage, tmp_path: Path) -> None:
    channel, plane = Channel(), Plane()
    clock = ManualClock()
    consent = ConsentService(shop.consent)  # a recorded room: ann agreed to be recorded before
    await consent.answer(A, "ann", ConsentKind.RECORDING, True, channel=ConsentChannel.VOICE_ROOM, language="en")
    voice = VoiceRooms(shop.voice_rooms, channel, plane, clock, recordings_dir=tmp_path, consent=consent)
    try:
        await voice.open(A, "v1", VoiceRoomSpec(host_identity="host", seats=16, record=True))
        assert plane.calls[0][:4] == ("ensure", KEY, 16, 2)
        assert plane.calls[0][4].startswith(f"{A}/v1/voice-") and plane.calls[0][4].endswith("/mix.wav")
        assert await voice.may_speak(KEY, "host") and not await voice.may_speak(KEY, "ann")
        await voice.act(A, "v1", ANN, RaiseHand())
        with pytest.raises(Forbidden):
            await voice.act(A, "v1", ANN, InviteToSeat("ann"))
        await voice.act(A, "v1", HOST, InviteToSeat("ann", seat=3))
        room = await voice.act(A, "v1", ANN, AnswerInvite(accept=True))
        assert room.seats.seats[3].identity == "ann" and await voice.may_speak(KEY, "ann")
        await voice.act(A, "v1", HOST, Mute(True, identity="ann"))
        assert await voice.host_muted(KEY, "ann") and plane.calls[-1] == ("mute", "ann", True)
        await voice.act(A, "v1", ANN, Mute(True))  # its own mute too: still muted, the plane is not called again
        assert plane.calls[-1] == ("mute", "ann", True)
        await voice.act(A, "v1", HOST, Move(5, identity="ann"))
        assert plane.calls[-1] == ("mute", "ann", True)  # a move is nothing for the plane
        await voice.act(A, "v1", HOST, Kick("ann"))
        assert plane.calls[-1] == ("kick", "ann") and not await voice.may_speak(KEY, "ann")
        await voice.act(A, "v1", ANN, LeaveSeat())  # nothing to leave: no announcement
        await settle(clock)
        assert channel.kinds() == ["room_opened", "hand_raised", "invited", "seat_taken", "seat_muted",
                                   "seat_muted", "seat_moved", "seat_kicked"]
        versions = [b["version"] for b in channel.sent]
        assert versions == sorted(versions) and versions[0] == 0 and versions[-1] == 7
        assert len(channel.sent) < 8  # paced: changes within 0.25 s went out together
        assert channel.sent[-1]["room"]["seats"][5]["identity"] is None
        ended = await voice.end(A, "v1")
        await settle(clock)
        assert not ended.live and plane.calls[-1] == ("destroy", KEY) and channel.kinds()[-1] == "room_ended"
        assert not await voice.may_speak(KEY, "host")
        with pytest.raises(Conflict):
            await voice.act(A, "v1", ANN, RaiseHand())
    finally:
        await voice.aclose()


async def test_leaving_and_end_remove_speakers_from_the_bridge(shop: Storage) -> None:
    channel, plane = Channel(), Plane()
    voice = VoiceRooms(shop.voice_rooms, channel, plane, ManualClock())
    try:
        await voice.open(A, "v1", VoiceRoomSpec(host_identity="host", seats=4, free_seating=True))
        await voice.act(A, "v1", ANN, TakeSeat())
        await voice.act(A, "v1", HOST, TakeSeat())
        await voice.act(A, "v1", ANN, LeaveSeat())
        assert plane.calls[-1] == ("kick", "ann")
        await voice.act(A, "v1", ANN, TakeSeat())
        await voice.end(A, "v1")
        assert ("kick", "host") not in plane.calls and plane.calls[-1] == ("destroy", KEY)
    finally:
        await voice.aclose()


async def test_a_plane_that_cannot_make_the_room_leaves_it_ended(shop: Storage) -> None:
    voice = VoiceRooms(shop.voice_rooms, Channel(), Plane(fail_ensure=True), ManualClock())
    with pytest.raises(Unavailable):
        await voice.open(A, "v1", VoiceRoomSpec(host_identity="host"))
    assert not (await shop.voice_rooms.get(A, "v1")).live
    await voice.aclose()


async def test_talking_events_are_announced_once_per_change(shop: Storage) -> None:
    channel, talk, plane, clock = Channel(), Channel(), Plane(), ManualClock()
    voice = VoiceRooms(shop.voice_rooms, channel, plane, clock, talking_publisher=talk)
    try:
        await voice.open(A, "v1", VoiceRoomSpec(host_identity="host"))
        (callback,) = plane.callbacks
        callback(Talking(KEY, "host", True))
        await settle(clock)
        for event in (Talking(KEY, "host", True), Talking(KEY, "ann", True), Talking(KEY, "host", False),
                      SpeakerLeft(KEY, "bob", "left")):
            callback(event)
        await settle(clock)
        assert [(b["talking"], b["changed"]) for b in talk.sent] == [
            (["host"], {"host": True}), (["ann"], {"ann": True, "host": False})]
        assert all(b["type"] == "seats" for b in channel.sent)  # talking has its own sender
    finally:
        await voice.aclose()


async def test_no_plane_still_keeps_seats(shop: Storage) -> None:
    channel = Channel()
    voice = VoiceRooms(shop.voice_rooms, channel, None, ManualClock())
    await voice.open(A, "v1", VoiceRoomSpec(host_identity="host", free_seating=True))
    assert (await voice.act(A, "v1", ANN, TakeSeat(1))).seats.speakers == {"ann": False}
    await voice.aclose()


async def test_a_speaker_gone_from_the_bridge_loses_its_seat_after_the_grace(shop: Storage) -> None:
    channel, plane, clock = Channel(), Plane(), ManualClock()
    voice = VoiceRooms(shop.voice_rooms, channel, plane, clock, seat_grace_s=15)
    try:
        await voice.open(A, "v1", VoiceRoomSpec(host_identity="host", free_seating=True))
        for who in ("ann", "bob", "cy"):
            await voice.act(A, "v1", Actor(who), TakeSeat())
        (callback,) = plane.callbacks
        callback(SpeakerLeft(KEY, "ann", "left"))  # a closed tab: gone for good
        callback(SpeakerLeft(KEY, "bob", "left"))  # a reload: back within the grace
        callback(SpeakerLeft(KEY, "cy", "left"))  # its event was lost, but the bridge says it is connected
        await clock.advance(10)
        callback(SpeakerJoined(KEY, "bob"))
        plane.connected.add("cy")
        await settle(clock)
        await settle(clock)  # 20 s more: past the grace
        for _ in range(100):  # the release runs real database work
            if "ann" not in (await voice.get(A, "v1")).seats.speakers:
                break
            await asyncio.sleep(0.05)
        await settle(clock)
        room = await voice.get(A, "v1")
        assert set(room.seats.speakers) == {"bob", "cy"}
        left = [e for b in channel.sent for e in b["events"] if e["kind"] == "seat_left"]
        assert [e["identity"] for e in left] == ["ann"]
        callback(SpeakerLeft(KEY, "bob", "kicked"))  # a kick already freed the seat: no timer
        for _ in range(4):
            await settle(clock)
            await asyncio.sleep(0.05)
        assert set((await voice.get(A, "v1")).seats.speakers) == {"bob", "cy"}
    finally:
        await voice.aclose()


class RecordingPlane(Plane):
    """Writes one second of silence where the real plane records the mix."""

    def __init__(self, root: Path, *, write: bool = True) -> None:
        super().__init__()
        self.root, self.write = root, write

    async def ensure_room(self, room: RoomKey, *, seats: int, prebuffer: int = 2, record: str | None = None,
                          region: str | None = None) -> object:
        await super().ensure_room(room, seats=seats, prebuffer=prebuffer, record=record, region=region)
        if record is not None and self.write:
            path = self.root / record
            path.parent.mkdir(parents=True, exist_ok=True)
            with wave.open(str(path), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(48_000)
                w.writeframes(b"\0\0" * 48_000)
        return object()


@pytest.mark.parametrize("written", [True, False])
async def test_a_recorded_room_becomes_a_replay(shop: Storage, tmp_path: Path, written: bool) -> None:
    root = tmp_path / "recordings"
    plane = RecordingPlane(root, write=written)
    voice = VoiceRooms(shop.voice_rooms, Channel(), plane, ManualClock(), recordings_dir=root)
    try:
        room = await voice.open(A, "v1", VoiceRoomSpec(host_identity="host", title="Tea", record=True))
        name = plane.calls[0][4]
        assert name == f"{A}/v1/{recording_name(room)}/mix.wav"
        recorder = Recorder(root, Binaries())
        rec_id = f"v1.{recording_name(room)}"
        assert recorder.get(A, rec_id)[1]["status"] == "recording"
        await voice.end(A, "v1")
        data = recorder.get(A, rec_id)[1]
        assert [r["id"] for r in recorder.list_room(A, "v1")] == [rec_id]
        if written:
            assert data["status"] == "ready" and data["ended_at"] >= data["started_at"]
            assert data["participants"] == [{"identity": "host", "file": "mix.wav", "duration_s": 1.0, "main": True}]
        else:
            assert (data["status"], data["reason"]) == ("failed", "no_mix")
        unrecorded = await voice.open(A, "v2", VoiceRoomSpec(host_identity="host"))
        assert plane.calls[-1][4] is None and recorder.list_room(A, unrecorded.room_id) == []
    finally:
        await voice.aclose()


async def test_restore_puts_a_live_room_back_with_its_own_seats(shop: Storage) -> None:
    plane = Plane()
    voice = VoiceRooms(shop.voice_rooms, Channel(), plane, ManualClock())
    try:
        await voice.open(A, "v1", VoiceRoomSpec(host_identity="host", seats=24))
        assert await voice.restore(KEY) and plane.calls[-1] == ("ensure", KEY, 24, 2, None)
        assert not await voice.restore(RoomKey(A, "nope"))
        await voice.end(A, "v1")
        assert not await voice.restore(KEY)
    finally:
        await voice.aclose()
    assert not await VoiceRooms(shop.voice_rooms, Channel(), None, ManualClock()).restore(KEY)
