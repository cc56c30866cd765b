"""A scripted shopper in a consult call's media room, to measure the AI attendant (souk.consult.attendant).

The shopper publishes a microphone (speech from a WAV or synthesized, 16 kHz mono, paced in real time, silence
between utterances) under their identity, as the shopper's browser does, and listens to the AI's feed.
:func:`measure` asks questions one after another and times, for each, the end of the shopper's speech (the
last speech frame handed to the encoder) to the first non-silent frame of the AI's voice received back
through Janus: the whole path (end-of-turn wait, speech-to-text, brain, text-to-speech, two Janus hops).
"""

from __future__ import annotations

import asyncio
import fractions
import io
import tempfile
import time
import wave
from collections import deque
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import av
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from souk.agent.audio import float_to_pcm, resample
from souk.bench.bots import SubscriberBot
from souk.consult.attendant import IDENTITY
from souk.core.errors import Timeout
from souk.core.settings import Settings
from souk.core.stats import percentile
from souk.core.tenancy import RoomKey
from souk.data import demo_product_sku
from souk.media.events import PublisherJoined
from souk.media.plane import MediaPlane, Publisher, Subscriber
from souk.media.types import Jsep

FRAME = 640  # 20 ms of 16 kHz mono s16le
LOUD_RMS = 0.01


def wav_pcm(data: bytes | Path) -> bytes:
    """16 kHz mono s16le PCM from a WAV file (any rate, mono or stereo 16-bit), padded to whole frames."""
    raw = data.read_bytes() if isinstance(data, Path) else data
    with wave.open(io.BytesIO(raw)) as w:
        if w.getsampwidth() != 2:
            raise ValueError("the WAV must be 16-bit PCM")
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
        if w.getnchannels() > 1:
            x = x.reshape(-1, w.getnchannels()).mean(axis=1)
        rate = w.getframerate()
    pcm = float_to_pcm(resample(x, rate))
    return pcm + bytes((-len(pcm)) % FRAME)


def speech_end(pcm: bytes) -> int:
    """Byte offset of the end of the last frame louder than LOUD_RMS (the end of the speech)."""
    end = 0
    for i in range(0, len(pcm), FRAME):
        if _rms(pcm[i:i + FRAME]) > LOUD_RMS:
            end = i + FRAME
    return end


def _rms(pcm: bytes) -> float:
    x = np.frombuffer(pcm, "<i2").astype(np.float32) / 32768
    return float(np.sqrt(np.mean(x * x))) if len(x) else 0.0


class Microphone(MediaStreamTrack):
    """The shopper's microphone: silence, and the utterances given to :meth:`speak`, in real time."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._frames: deque[tuple[bytes, asyncio.Future[float] | None]] = deque()
        self._n = 0
        self._start: float | None = None
        self.frames_sent = 0

    def speak(self, pcm: bytes, end_byte: int | None = None) -> asyncio.Future[float]:
        """Queue ``pcm``; the future gets the monotonic time its speech ended (the frame at ``end_byte``,
        default :func:`speech_end`, left for the encoder)."""
        end = speech_end(pcm) if end_byte is None else end_byte
        done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        last = max(0, (end - 1) // FRAME)
        for k, i in enumerate(range(0, len(pcm), FRAME)):
            self._frames.append((pcm[i:i + FRAME].ljust(FRAME, b"\0"), done if k == last else None))
        return done

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        wait = self._start + self._n * 0.02 - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        chunk, done = self._frames.popleft() if self._frames else (bytes(FRAME), None)
        frame = av.AudioFrame.from_ndarray(np.frombuffer(chunk, "<i2")[None, :], format="s16", layout="mono")
        frame.sample_rate = 16000
        frame.pts = self._n * 320
        frame.time_base = fractions.Fraction(1, 16000)
        self._n += 1
        self.frames_sent += 1
        if done is not None and not done.done():
            done.set_result(time.monotonic())
        return frame


class Ears(SubscriberBot):
    """Hears the AI: the arrival time of every non-silent audio frame."""

    def __init__(self) -> None:
        super().__init__(decode=True)
        self.loud: list[float] = []
        self.first_audio_at: float | None = None
        self._changed = asyncio.Event()

    async def _drain_audio(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                now = time.monotonic()
                if not isinstance(frame, av.AudioFrame):
                    continue
                self.audio_frames += 1
                if self.first_audio_at is None:
                    self.first_audio_at = now
                x = frame.to_ndarray().astype(np.float32) / 32768
                if float(np.sqrt(np.mean(x * x))) > LOUD_RMS:
                    self.loud.append(now)
                    self._changed.set()
        except MediaStreamError:
            return

    async def first_loud_after(self, t: float, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        while True:
            hit = next((x for x in reversed(self.loud) if x > t), None)
            if hit is not None:
                return min(x for x in self.loud if x > t)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                return None

    async def quiet(self, for_s: float, timeout: float) -> bool:
        """Wait until the AI's audio flows and nothing loud came in it for ``for_s`` seconds (it is not
        talking: its greeting, or the last answer, is over)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.first_audio_at is not None:
                last = max(self.loud[-1] if self.loud else 0.0, self.first_audio_at)
                if time.monotonic() - last >= for_s:
                    return True
            await asyncio.sleep(0.05)
        return False


class Shopper:
    """The scripted shopper of a call's room: publishes a microphone as ``identity``, hears the AI."""

    def __init__(self, plane: MediaPlane, room: RoomKey, identity: str) -> None:
        self.plane = plane
        self.room = room
        self.identity = identity
        self.mic = Microphone()
        self.ears: Ears | None = None
        self._pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self._pub: Publisher | None = None
        self._sub: Subscriber | None = None

    async def publish(self) -> None:
        self._pc.addTrack(self.mic)
        self._pub = await self.plane.join_publisher(self.room, display=self.identity)
        await self._pc.setLocalDescription(await self._pc.createOffer())
        answer = await self._pub.publish(Jsep("offer", self._pc.localDescription.sdp, trickle=False),
                                         audio=True, video=False)
        await self._pc.setRemoteDescription(RTCSessionDescription(sdp=answer.sdp, type=answer.type))
        await self._pub.wait_webrtcup(10)

    async def ai_feed(self, timeout: float) -> int:
        """The AI's feed id once it publishes in the room (from Janus's events to this publisher)."""
        pub = self._pub
        if pub is None:
            raise Timeout("publish first", code="not_published")
        for feed in pub.existing:
            if feed.display == IDENTITY:
                return feed.feed_id
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                ev = await pub.next_event(left)
            except TimeoutError:
                break
            if isinstance(ev, PublisherJoined) and ev.feed.display == IDENTITY:
                return ev.feed.feed_id
        raise Timeout(f"the AI did not publish in {self.room} within {timeout:.0f} s", code="no_ai")

    async def hear_ai(self, timeout: float = 15.0) -> Ears:
        feed = await self.ai_feed(timeout)
        self.ears = Ears()
        self._sub = await self.plane.subscribe(self.room, [feed], wait_s=10)
        await self._sub.start(await self.ears.answer(self._sub.offer))
        return self.ears

    async def aclose(self) -> None:
        for part in (self._sub, self._pub):
            if part is not None:
                await part.aclose()
        if self.ears is not None:
            await self.ears.aclose()
        await self._pc.close()


@dataclass(frozen=True, slots=True)
class AttendantLatency:
    """Shopper speech end -> first AI audio frame back, per question (ms; None: no answer in time)."""

    samples_ms: tuple[float | None, ...]
    timeout_ms: float = 10_000.0  # an unanswered question counts at this in the percentiles

    @property
    def answered(self) -> int:
        return sum(1 for x in self.samples_ms if x is not None)

    def as_json(self) -> dict[str, Any]:
        counted = [self.timeout_ms if x is None else x for x in self.samples_ms]
        return {"rounds": len(self.samples_ms), "answered": self.answered,
                "speech_to_ai_audio_p50_ms": percentile(counted, 0.5),
                "speech_to_ai_audio_p95_ms": percentile(counted, 0.95), "samples_ms": list(self.samples_ms)}


async def measure(shopper: Shopper, questions: list[bytes], *, answer_timeout_s: float = 10.0,
                  quiet_s: float = 1.0, longest_answer_s: float = 120.0) -> AttendantLatency:
    """Ask ``questions`` (PCM) one by one, each once the AI has been quiet for ``quiet_s`` (a long answer, e.g.
    a whole return policy, takes up to ``longest_answer_s`` to be spoken); time each answer.

    The shopper must have published and be hearing the AI (:meth:`Shopper.hear_ai`)."""
    ears = shopper.ears
    if ears is None:
        raise Timeout("call Shopper.hear_ai() first", code="not_hearing")
    samples: list[float | None] = []
    for pcm in questions:
        if not await ears.quiet(quiet_s, timeout=longest_answer_s):
            raise Timeout("the AI never stopped talking (or its audio never came)", code="never_quiet")
        end = await shopper.mic.speak(pcm)
        heard = await ears.first_loud_after(end, answer_timeout_s)
        samples.append(None if heard is None else round((heard - end) * 1000, 1))
    return AttendantLatency(tuple(samples), timeout_ms=answer_timeout_s * 1000)


class CallRinger(Protocol):
    """What :func:`speech_to_ai_audio` needs of souk.consult.service.ConsultService."""

    async def request(self, merchant_id: str, *, shopper: str, product_sku: str, language: str) -> Any: ...

    async def hangup(self, merchant_id: str, call_id: str, identity: str) -> Any: ...


async def speech_to_ai_audio(calls: CallRinger, plane: MediaPlane, questions: list[bytes], *, merchant_id: str,
                             product_sku: str, language: str = "en", shopper: str = "bench-shopper",
                             answer_timeout_s: float = 10.0, join_timeout_s: float = 30.0) -> AttendantLatency:
    """Ring a consult on ``calls`` (an AiAttendant must listen to it), join its room as the shopper, ask
    ``questions`` (16 kHz mono PCM, e.g. :func:`wav_pcm`) once the AI's greeting is over, hang up.

    For ``souk bench desk``: shopper speech end -> first AI audio frame, per question."""
    call = await calls.request(merchant_id, shopper=shopper, product_sku=product_sku, language=language)
    room = RoomKey(merchant_id, call.room_id)
    client = Shopper(plane, room, shopper)
    try:
        if plane.room_spec(room) is None:  # as the shopper's signaling join does (the AI may have made it)
            await plane.ensure_room(room, kind="consult", max_publishers=3)
        await client.publish()
        await client.hear_ai(join_timeout_s)
        return await measure(client, questions, answer_timeout_s=answer_timeout_s)
    finally:
        await client.aclose()
        await calls.hangup(merchant_id, call.id, shopper)


QUESTIONS = ("Do you have this one in another colour?", "What is your return policy?",
             "How much is shipping to Spain?", "Do you accept PayPal?", "Is this one in stock?",
             "How long does delivery take?", "Can I send back something I wore once?", "Do you ship to Canada?")


async def run_local(settings: Settings, *, questions: Sequence[str] = QUESTIONS, language: str = "en",
                    merchant_id: str = "lumen", product_sku: str | None = None) -> dict[str, Any]:
    """The whole path on this machine, for ``souk bench desk``: an embedded Janus, the demo store (SQLite in a
    temp dir), the merchant's assistant (warmed first), the voice engine (models from ``settings``), the
    consult flow with an :class:`AiAttendant` joining at once; ``questions`` spoken by espeak-ng.
    Run inside the media network namespace (souk.media.netns.reexec_in_netns)."""
    from souk.agent.factory import build_voice_engine
    from souk.agent.service import VoiceService
    from souk.api.stores import StorageAdapter
    from souk.assistant.service import AssistantService
    from souk.bench.agent.utterances import synthesize
    from souk.consult.attendant import AiAttendant
    from souk.consult.service import ConsultService
    from souk.core.clock import SystemClock
    from souk.core.settings import CallSettings
    from souk.domain.desk.handoff import Speaker
    from souk.storage import open_storage, seed_demo

    pcm = [synthesize(language, q).pcm for q in questions]
    lines: list[dict[str, str]] = []

    async def on_line(_merchant: str, _call: str, speaker: Speaker, text: str) -> None:
        lines.append({"speaker": speaker.value, "text": text})

    async with AsyncExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="souk-bench-attendant-")))
        local = settings.model_copy(update={"data_dir": str(tmp), "database_url": ""})
        storage = await open_storage(local)
        stack.push_async_callback(storage.aclose)
        await seed_demo(storage)
        assistant = AssistantService.from_settings(local, storage=storage)
        stack.push_async_callback(assistant.aclose)
        t0 = time.monotonic()
        await assistant.warm()
        warm_s = time.monotonic() - t0
        voice = VoiceService.of(await asyncio.to_thread(build_voice_engine, settings))
        stack.push_async_callback(voice.aclose)
        plane = await MediaPlane.start(local, workdir=tmp / "janus")
        stack.push_async_callback(plane.aclose)
        adapter = StorageAdapter(storage)
        calls = ConsultService(CallSettings(ring_timeout_s=600), store=adapter, products=adapter, clock=SystemClock())
        stack.push_async_callback(calls.aclose)
        attendant = AiAttendant(media=plane, voice=voice, brains=assistant, on_line=on_line, clock=SystemClock(),
                                join_after_s=0.0)
        calls.add_listener(attendant)
        stack.push_async_callback(attendant.aclose)
        result = await speech_to_ai_audio(calls, plane, pcm, merchant_id=merchant_id,
                                          product_sku=product_sku or demo_product_sku(),
                                          language=language)
    return {**result.as_json(), "language": language, "assistant_warm_s": round(warm_s, 1), "lines": lines}
