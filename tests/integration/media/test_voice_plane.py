"""Voice rooms on real Janus AudioBridge with aiortc bots (needs the network namespace).

Speakers send tones of their own pitch; listeners watch the mix mountpoint; every ear measures each pitch's
level per decoded frame (souk.bench.voiceroom_bots), so "heard" means the tone came out of a decoder.
"""

from __future__ import annotations

import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from souk.bench.voiceroom_bots import SAMPLES, ListenerBot, SpeakerBot, level, until
from souk.core.errors import BadRequest, Conflict
from souk.core.tenancy import RoomKey
from souk.media.events import HangUp
from souk.media.nodes import JanusNode
from souk.media.plane import MediaPlane
from souk.media.voice_plane import (
    SpeakerJoined,
    SpeakerLeft,
    SpeakerMuted,
    Talking,
    VoiceEvent,
    VoicePlane,
)
from tests.fixtures.janus import janus_settings

pytestmark = [pytest.mark.janus, pytest.mark.timeout(90)]

A, B = 440.0, 1000.0
LOUD = 600.0  # the bots' tones are 6000 peak; the mix of two at 48 kHz reads ~3000-6000 per pitch
QUIET = 100.0  # medians: the odd frame of codec leakage aside, an absent tone reads ~0


@pytest.fixture
async def voice(janus_node: JanusNode, tmp_path: Path, netns: None) -> AsyncIterator[VoicePlane]:
    plane = await MediaPlane.attach(janus_settings(tmp_path), [janus_node])
    vp = VoicePlane(plane)
    yield vp
    await vp.aclose()
    await plane.aclose()


async def _speak(vp: VoicePlane, room: RoomKey, identity: str, pitch: float) -> tuple[object, SpeakerBot]:
    bot = SpeakerBot(pitch)
    speaker = await vp.join_speaker(room, identity)
    await bot.accept(await speaker.publish(await bot.offer()))
    await speaker.wait_webrtcup(10)
    return speaker, bot


async def _removed(speaker: object, timeout: float = 5.0) -> str:
    """Read the speaker's events up to its HangUp: the reason Janus removed it."""
    while True:
        ev = await speaker.next_event(timeout)  # type: ignore[attr-defined]
        if isinstance(ev, HangUp):
            return ev.reason


async def _listen(vp: VoicePlane, room: RoomKey, **kw: object) -> tuple[object, ListenerBot]:
    viewer = await vp.listen(room, **kw)  # type: ignore[arg-type]
    bot = ListenerBot()
    await viewer.start(await bot.answer(viewer.offer))
    return viewer, bot


async def test_two_speakers_heard_by_a_listener_and_each_other_talking_mute_kick_and_the_recording(
        voice: VoicePlane) -> None:
    room = RoomKey("m_voice", "room_mix")
    events: list[VoiceEvent] = []
    voice.on_event(events.append)
    info = await voice.ensure_room(room, seats=4, record="m_voice/room_mix/show.wav")
    assert info.created and info.recording is not None and info.prebuffer == 2
    again = await voice.ensure_room(room, seats=4)  # idempotent, and the room keeps recording
    assert again.created is False and again.recording == info.recording
    bots: list[SpeakerBot | ListenerBot] = []
    try:
        alice, a_bot = await _speak(voice, room, "alice", A)
        bob, b_bot = await _speak(voice, room, "bob", B)
        _, ear = await _listen(voice, room)
        bots += [a_bot, b_bot, ear]
        await until(lambda: ear.ear.heard(A) > LOUD and ear.ear.heard(B) > LOUD, 10, "listener hears both")
        # each speaker hears the other in its mix, never itself
        await until(lambda: a_bot.ear.heard(B) > LOUD and b_bot.ear.heard(A) > LOUD, 10, "speakers hear each other")
        assert a_bot.ear.typical(A) < QUIET and b_bot.ear.typical(B) < QUIET
        await until(lambda: {e.identity for e in events if isinstance(e, Talking) and e.talking} >= {"alice", "bob"},
                    10, "talking events for both")
        assert {e.identity for e in events if isinstance(e, SpeakerJoined)} == {"alice", "bob"}
        assert voice.listeners(room) == {info.node_id: 1}

        assert await voice.mute(room, "alice", True)  # the host mutes alice: the room stops hearing her
        await until(lambda: SpeakerMuted(room, "alice", True) in events, 5, "mute event")
        # what was mixed before the mute may still be in flight (a busy machine delays the bots): wait for it
        await until(lambda: ear.ear.typical(A, since=time.time() - 0.5) < QUIET, 5, "alice no longer heard")
        await until(lambda: ear.ear.heard(B, since=time.time() - 0.5) > LOUD, 5, "bob still heard")
        speakers = {s.identity: s for s in await voice.speakers(room)}
        assert speakers["alice"].muted and not speakers["bob"].muted and speakers["bob"].connected
        assert await voice.mute(room, "alice", False)
        back_at = time.time()
        await until(lambda: ear.ear.heard(A, since=back_at) > LOUD, 5, "alice heard again")

        assert await voice.kick(room, "bob")  # kicked: bob's handle hears it, the room hears bob leave
        assert await _removed(bob) == "kicked"
        await until(lambda: SpeakerLeft(room, "bob", "kicked") in events, 5, "kick event")
        await until(lambda: ear.ear.typical(B, since=time.time() - 0.5) < QUIET, 5, "bob no longer heard")
        await until(lambda: ear.ear.heard(A, since=time.time() - 0.5) > LOUD, 5, "alice still heard")
        assert not await voice.kick(room, "bob")  # no longer there
        await alice.aclose()  # type: ignore[attr-defined]
    finally:
        for bot in bots:
            await bot.aclose()
        assert await voice.destroy_room(room)
    assert not await voice.destroy_room(room)
    assert info.recording.exists()
    with wave.open(str(info.recording)) as wav:  # the mix: both tones in it
        assert wav.getframerate() == 48000 and wav.getnchannels() == 1
        assert wav.getnframes() > 48000  # the room lasted several seconds; a busy machine's mixer records less
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16).astype(np.float64)
    frames = [pcm[i:i + SAMPLES] for i in range(0, len(pcm) - SAMPLES, SAMPLES)]
    assert max(level(f, A) for f in frames) > LOUD and max(level(f, B) for f in frames) > LOUD


async def test_seats_are_the_limit_and_the_same_speaker_again_replaces_the_first(voice: VoicePlane) -> None:
    room = RoomKey("m_voice", "room_seats")
    await voice.ensure_room(room, seats=1)  # the host and one seat
    bots: list[SpeakerBot] = []
    try:
        host, h_bot = await _speak(voice, room, "host", A)
        guest, g_bot = await _speak(voice, room, "guest", B)
        bots += [h_bot, g_bot]
        with pytest.raises(Conflict) as err:
            await voice.join_speaker(room, "third")
        assert err.value.code == "seats_full"
        again = await voice.join_speaker(room, "guest")  # another tab of the same speaker: it replaces the first
        assert await _removed(guest) == "kicked"
        assert sorted(s.identity for s in await voice.speakers(room)) == ["guest", "host"]
        await again.aclose()
        await host.aclose()  # type: ignore[attr-defined]
    finally:
        for bot in bots:
            await bot.aclose()
        await voice.destroy_room(room)


async def test_bad_recording_names_and_seats_are_refused(voice: VoicePlane) -> None:
    room = RoomKey("m_voice", "room_bad")
    for name in ("/etc/x.wav", "../x.wav", "a/b.mp3"):
        with pytest.raises(BadRequest):
            await voice.ensure_room(room, seats=2, record=name)
    with pytest.raises(Exception, match="seats"):
        await voice.ensure_room(room, seats=0)
    assert voice.room_spec(room) is None


async def test_a_second_node_serves_listeners_through_its_own_forwarder(
        two_janus_nodes: tuple[JanusNode, JanusNode], tmp_path: Path, netns: None) -> None:
    s = janus_settings(tmp_path, relay_grace_s=0.3)
    s = s.model_copy(update={"live": s.live.model_copy(update={"viewers_per_node": 1})})
    plane = await MediaPlane.attach(s, list(two_janus_nodes))
    vp = VoicePlane(plane)
    room = RoomKey("m_voice", "room_cascade")
    bots: list[SpeakerBot | ListenerBot] = []
    try:
        info = await vp.ensure_room(room, seats=2, region="local")
        assert info.node_id == "node1"
        _, s_bot = await _speak(vp, room, "host", A)
        _, l1 = await _listen(vp, room)
        second, l2 = await _listen(vp, room)
        bots += [s_bot, l1, l2]
        assert vp.listeners(room) == {"node1": 1, "node2": 1}
        assert [m.node_id for m in vp.mounts.mounts(room)] == ["node1", "node2"]
        await until(lambda: l1.ear.heard(A) > LOUD and l2.ear.heard(A) > LOUD, 10, "both listeners hear the host")
        await second.aclose()  # type: ignore[attr-defined]
        await until(lambda: [m.node_id for m in vp.mounts.mounts(room)] == ["node1"], 5,
                    "the edge mountpoint goes after the grace")
    finally:
        for bot in bots:
            await bot.aclose()
        await vp.destroy_room(room)
        await vp.aclose()
        await plane.aclose()


async def test_a_lost_janus_session_puts_the_voice_room_back(voice: VoicePlane, janus_node: JanusNode) -> None:
    room = RoomKey("m_voice", "room_lost")
    events: list[VoiceEvent] = []
    voice.on_event(events.append)
    await voice.ensure_room(room, seats=2)
    bots: list[SpeakerBot | ListenerBot] = []
    try:
        speaker, s_bot = await _speak(voice, room, "host", A)
        _, ear = await _listen(voice, room)
        bots += [s_bot, ear]
        await until(lambda: ear.ear.heard(A) > LOUD, 10, "heard before")
        first_mount = voice.mounts.mounts(room)[0].mountpoint
        link = await voice.plane.link(janus_node.node_id)
        await link.session.destroy()  # as when Janus times our session out: every handle of it is gone
        assert await voice.wait_restored(room, timeout_s=10)
        await until(lambda: len(voice.mounts.mounts(room)) == 1, 5, "the origin mountpoint made again")
        assert voice.mounts.mounts(room)[0].mountpoint == first_mount  # same id, made afresh
        events.clear()
        speaker2, s_bot2 = await _speak(voice, room, "host", B)  # the page speaks again (voice.removed media_lost)
        _, ear2 = await _listen(voice, room)
        bots += [s_bot2, ear2]
        await until(lambda: ear2.ear.heard(B) > LOUD, 10, "heard after")
        await until(lambda: Talking(room, "host", True) in events, 10, "talking events after")
        await speaker2.aclose()  # type: ignore[attr-defined]
        assert speaker is not speaker2
    finally:
        for bot in bots:
            await bot.aclose()
        await voice.destroy_room(room)


async def test_another_souk_process_mutes_kicks_and_ends_a_room_it_did_not_make(
        voice: VoicePlane, janus_node: JanusNode, tmp_path: Path) -> None:
    room = RoomKey("m_voice", "room_elsewhere")
    events: list[VoiceEvent] = []
    voice.on_event(events.append)
    await voice.ensure_room(room, seats=2)
    other_plane = await MediaPlane.attach(janus_settings(tmp_path / "other"), [janus_node])
    other = VoicePlane(other_plane)  # a second Souk process on the same Janus (the host's API call landed here)
    bots: list[SpeakerBot] = []
    try:
        speaker, bot = await _speak(voice, room, "guest", A)
        bots.append(bot)
        assert await other.mute(room, "guest", True)
        await until(lambda: SpeakerMuted(room, "guest", True) in events, 5, "muted from the other process")
        assert [s.identity for s in await other.speakers(room)] == ["guest"]
        assert await other.kick(room, "guest")
        assert await _removed(speaker) == "kicked"
        assert await other.destroy_room(room)  # the host ended it there
        assert not await voice.destroy_room(room)
        with pytest.raises(Exception, match="no media node"):
            await other.kick(RoomKey("m_voice", "never_made"), "guest")
    finally:
        for b in bots:
            await b.aclose()
        await other.aclose()
        await other_plane.aclose()
        await voice.destroy_room(room)
