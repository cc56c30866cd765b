"""Voice room captions through a real AudioBridge: a speaker's English (Piper over aiortc) in the room's mix,
forwarded to the caption tap, captioned with ordered finals under the speaker ``room``; the room's end turns
them off. Needs Janus, the network namespace and the speech models."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "agent"))
from test_voice_rtc import SpeechTrack

from souk.api.captions_boot import MixTaps
from souk.core.clock import SystemClock
from souk.core.tenancy import RoomKey
from souk.live.caption_langs import ViewerLanguages
from souk.live.captions import CaptionService
from souk.live.stage import LiveStage
from souk.media.nodes import JanusNode
from souk.media.plane import MediaPlane
from souk.media.types import Jsep
from souk.media.voice_plane import VoicePlane
from tests.fixtures.janus import janus_settings
from tests.unit.live.test_captions import Hub, Publisher, Store, Translator

pytestmark = [pytest.mark.janus, pytest.mark.models, pytest.mark.timeout(120),
              pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")]

ROOM = RoomKey("shop", "voice-captions")


@dataclass
class Room:
    live: bool = True
    title: str = "Tea talk"
    host_identity: str = "host-1"
    record: bool = False
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


class Rooms:
    def __init__(self) -> None:
        self.room = Room()

    async def get(self, merchant_id: str, room_id: str) -> Room:
        return self.room


@pytest.fixture
async def voice(janus_node: JanusNode, tmp_path: Path, netns: None) -> AsyncIterator[VoicePlane]:
    plane = await MediaPlane.attach(janus_settings(tmp_path), [janus_node])
    vp = VoicePlane(plane)
    yield vp
    await vp.aclose()
    await plane.aclose()


async def test_a_voice_rooms_mix_is_captioned_and_stops_with_the_room(voice: VoicePlane,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from souk.agent.caption_engine import load_caption_engine
    from souk.bench.agent.utterances import Voices, synthesize
    from souk.core.settings import load_settings
    from souk.live import captions as captions_mod

    monkeypatch.setattr(captions_mod, "VOICE_CHECK_S", 0.5)
    speech = bytes(32000 * 3) + synthesize("en", "Good evening and welcome to our tea room.", voices=Voices()).pcm
    await voice.ensure_room(ROOM, seats=4)
    clock = SystemClock()
    pub, store, rooms = Publisher(), Store(), Rooms()

    async def engine() -> Any:
        return await load_caption_engine(load_settings())

    svc = CaptionService(LiveStage(clock), Hub([]), None, engine, pub, store, Translator(), wall=clock.wall,
                         languages=ViewerLanguages(clock.wall), voice_rooms=rooms, mix_taps=MixTaps(voice))
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTransceiver(SpeechTrack(speech), direction="sendrecv")
        speaker = await voice.join_speaker(ROOM, "guest-7")
        await pc.setLocalDescription(await pc.createOffer())
        answer = await speaker.publish(Jsep("offer", pc.localDescription.sdp, trickle=False))
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer.sdp, type=answer.type))
        await speaker.wait_webrtcup(10)
        state = await svc.set_voice_enabled("shop", ROOM.room_id, True, lang="en")
        assert state["enabled"] and state["speakers"] == 1
        svc.choose_language("shop", ROOM.room_id, "listener-1", "es")
        svc.choose_language("shop", ROOM.room_id, "listener-2", "en")
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not any(b["final"] for s, b in pub.sent if s == "captions"):
            await asyncio.sleep(0.2)
        rooms.room.live = False  # the host ends the room: captions stop by themselves
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and svc.state("shop", ROOM.room_id)["enabled"]:
            await asyncio.sleep(0.1)
        assert not svc.state("shop", ROOM.room_id)["enabled"]
        await speaker.aclose()
    finally:
        await pc.close()
        await svc.aclose()
    finals = [b for s, b in pub.sent if s == "captions" and b["final"]]
    text = " ".join(b["text"] for b in finals).lower()
    assert "welcome" in text and "tea" in text, pub.sent
    assert all(b["speaker"] == "room" for b in finals)
    assert any(s == "captions-es" for s, _ in pub.sent)
    (_, row), *_ = store.rows
    assert row.show_id.startswith("voice-") and row.speaker == "room" and row.translations.get("es")
