"""The agent joins a real Janus room over aiortc, hears a shopper's published question and answers by voice.

Needs Janus and the network namespace: python -m souk.media.netns run -- python -m pytest ... (make test).
"""

from __future__ import annotations

import asyncio
import fractions
import shutil
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "agent"))
from voice_fakes import RecordingBrainSession

from souk.agent.transports.rtc import JanusVoiceParticipant
from souk.bench.bots import SubscriberBot
from souk.core.tenancy import RoomKey
from souk.media.plane import MediaPlane
from souk.media.types import Jsep

pytestmark = [pytest.mark.janus, pytest.mark.models, pytest.mark.timeout(90),
              pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")]


class SpeechTrack(MediaStreamTrack):
    """The shopper's microphone: silence, a question, then silence; 16 kHz mono 20 ms frames."""

    kind = "audio"

    def __init__(self, pcm: bytes) -> None:
        super().__init__()
        self._pcm = bytes(16000) + pcm + bytes(32000 * 10)  # 0.5 s lead-in, 10 s of quiet after
        self._n = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        wait = self._start + self._n * 0.02 - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        chunk = self._pcm[self._n * 640:(self._n + 1) * 640] or bytes(640)
        chunk += bytes(640 - len(chunk))
        frame = av.AudioFrame.from_ndarray(np.frombuffer(chunk, "<i2")[None, :], format="s16", layout="mono")
        frame.sample_rate = 16000
        frame.pts = self._n * 320
        frame.time_base = fractions.Fraction(1, 16000)
        self._n += 1
        return frame


class LoudnessSubscriber(SubscriberBot):
    """Records the RMS of the agent's audio it hears."""

    def __init__(self) -> None:
        super().__init__(decode=True)
        self.loud_frames = 0

    async def _drain_audio(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                x = frame.to_ndarray().astype(np.float32) / 32768
                self.audio_frames += 1
                if float(np.sqrt(np.mean(x * x))) > 0.01:
                    self.loud_frames += 1
        except MediaStreamError:
            return


async def test_agent_in_a_janus_room_hears_and_answers(media_plane: MediaPlane, netns: None) -> None:
    from souk.agent.factory import build_voice_engine
    from souk.bench.agent.utterances import synthesize
    from souk.core.settings import load_settings

    engine = await asyncio.to_thread(build_voice_engine, load_settings())
    brain = RecordingBrainSession("Your order shipped yesterday. It arrives on Friday.")
    room = RoomKey("shop", "room_voice_agent")
    await media_plane.ensure_room(room, kind="consult", max_publishers=3)
    agent = JanusVoiceParticipant(media_plane, engine, brain, room)
    shopper_pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    ears = LoudnessSubscriber()
    try:
        await agent.join()
        # the shopper publishes a spoken question
        question = synthesize("en", "Where is my order? I bought a lamp last week.").pcm
        shopper_pc.addTrack(SpeechTrack(question))
        shopper = await media_plane.join_publisher(room, display="shopper")
        await shopper_pc.setLocalDescription(await shopper_pc.createOffer())
        answer = await shopper.publish(Jsep("offer", shopper_pc.localDescription.sdp), audio=True, video=False)
        await shopper_pc.setRemoteDescription(RTCSessionDescription(sdp=answer.sdp, type=answer.type))
        await shopper.wait_webrtcup(10)
        await agent.listen(shopper.feed_id)
        # the shopper listens to the agent's feed
        agent_feed = agent._pub.feed_id
        sub = await media_plane.subscribe(room, [agent_feed], wait_s=10)
        await sub.start(await ears.answer(sub.offer))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and ears.loud_frames < 25:
            await asyncio.sleep(0.1)
        transcripts = [e for e in agent.events if e["type"] == "transcript"]
        assert transcripts and "order" in transcripts[0]["text"].lower(), list(agent.events)
        assert brain.turns and "order" in brain.turns[0].lower()
        assert agent.frames_heard > 100
        assert ears.loud_frames >= 25  # the shopper hears the agent's (non-silent) answer through Janus
        await sub.aclose()
        await shopper.aclose()
    finally:
        await ears.aclose()
        await shopper_pc.close()
        await agent.aclose()
        await agent.aclose()  # idempotent
        await engine.aclose()
    assert brain.closed
