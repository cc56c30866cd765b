"""Live captions through a real Janus: a host publishes English speech (Piper) over aiortc into a live room;
the caption service taps the feed's audio (rtp_forward -> UDP -> Opus decode), Whisper base captions it with
partials and finals, in order, timed from the show's start, and the finals are stored.

Needs Janus, the network namespace and the speech models (make models).
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "agent"))
from test_voice_rtc import SpeechTrack

from souk.api.captions_boot import PlaneTaps
from souk.core.clock import SystemClock
from souk.core.tenancy import RoomKey
from souk.live.caption_langs import ViewerLanguages
from souk.live.captions import CaptionService
from souk.live.stage import LiveStage
from souk.media.plane import MediaPlane
from souk.media.types import Jsep
from tests.unit.live.test_captions import Hub, Member, Publisher, Store, Translator

pytestmark = [pytest.mark.janus, pytest.mark.models, pytest.mark.timeout(120),
              pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")]

SENTENCES = ["Welcome to our live show.", "Today we have a beautiful lamp for your living room."]


async def test_a_hosts_speech_is_captioned_through_janus(media_plane: MediaPlane, netns: None) -> None:
    from souk.agent.caption_engine import load_caption_engine
    from souk.bench.agent.utterances import Voices, synthesize
    from souk.core.settings import load_settings

    voices = Voices()
    speech = bytes(32000 * 4) + b"".join(  # 4 s of quiet: the captions are on before the host speaks
        synthesize("en", s, voices=voices).pcm + bytes(32000) for s in SENTENCES)
    room = RoomKey("shop", "live_captions")
    await media_plane.ensure_room(room, kind="live", max_publishers=3)
    clock = SystemClock()
    stage = LiveStage(clock)
    show, _ = await stage.start_show("shop", "live_captions", host="host-1")
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pub, store, tr = Publisher(), Store(), Translator()
    hub = Hub([])

    async def engine() -> Any:
        return await load_caption_engine(load_settings())

    svc = CaptionService(stage, hub, PlaneTaps(media_plane), engine, pub, store, tr, wall=clock.wall,
                         languages=ViewerLanguages(clock.wall))
    try:
        pc.addTrack(SpeechTrack(speech))
        host = await media_plane.join_publisher(room, display="host-1")
        await pc.setLocalDescription(await pc.createOffer())
        answer = await host.publish(Jsep("offer", pc.localDescription.sdp), audio=True, video=False)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer.sdp, type=answer.type))
        await host.wait_webrtcup(10)
        hub.members.append(Member("host-1", host.feed_id))
        await svc.set_enabled("shop", "live_captions", True, lang="en")
        svc.choose_language("shop", "live_captions", "viewer-1", "es")
        svc.choose_language("shop", "live_captions", "viewer-2", "en")
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and len([b for s, b in pub.sent if b["final"] and s == "captions"]) < 2:
            await asyncio.sleep(0.2)
        await stage.show_over(stage.end_show("shop", "live_captions")[0])  # drains and stores
        await svc.show_ended(show)
        await host.aclose()
    finally:
        await pc.close()
        await svc.aclose()
    source = [b for s, b in pub.sent if s == "captions"]
    finals = [b for b in source if b["final"]]
    assert len(finals) >= 2, source
    text = " ".join(b["text"] for b in finals).lower()
    assert "welcome" in text and "lamp" in text, text
    assert any(not b["final"] for b in source)  # partials while the long sentence was spoken
    assert [b["seq"] for b in finals] == sorted(b["seq"] for b in finals)
    assert all(b["lang"] == "en" and b["end_ms"] > b["start_ms"] for b in finals)
    assert any(s == "captions-es" and b["final"] for s, b in pub.sent)  # one viewer asked for Spanish
    stored = [c for _, c in store.rows]
    assert [c.text for c in stored] == [b["text"] for b in finals if b["text"]]
    assert stored[0].show_id == show.show_id and stored[0].translations.get("es", "").startswith("es:")
