"""The agent as a participant of a Janus video room, over aiortc.

It publishes one audio track (its voice) and subscribes to one shopper's feed (their microphone): a feed
id given to :meth:`JanusVoiceParticipant.listen`, or whoever publishes under a display name given to
:meth:`JanusVoiceParticipant.follow` (listened to again when they publish anew, e.g. after a reconnect). Audio from
Janus (Opus, 48 kHz) is resampled to 16 kHz mono for the voice session; the session's 16 kHz frames go out
through aiortc's Opus encoder. Events (transcripts, agent text, cards) go to an ``on_event`` callback: a room
has its own messaging for those.

Rules from NOTES: no STUN server (``iceServers=[]``); aiortc gathers every candidate in
setLocalDescription (Janus gets a complete SDP); the subscriber answers as DTLS server.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
from collections import deque
from collections.abc import Callable
from typing import Any, Literal, Protocol

import av
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from souk.agent.brain import BrainSession
from souk.agent.frames import FRAME_BYTES, SAMPLE_RATE
from souk.agent.session import VoiceEngine, VoiceSession
from souk.agent.transports.red import unwrap_red
from souk.core.clock import RealtimePacer
from souk.core.errors import NotFound, SoukError, Timeout
from souk.core.tasks import TaskOwner
from souk.core.tenancy import RoomKey

log = logging.getLogger(__name__)

FRAME_SAMPLES = FRAME_BYTES // 2


class AgentAudioTrack(MediaStreamTrack):
    """The agent's voice: 20 ms frames of 16 kHz mono, silence when the agent is quiet, paced in real time."""

    kind = "audio"

    def __init__(self, max_frames: int = 500) -> None:
        super().__init__()
        self._queue: deque[bytes] = deque(maxlen=max_frames)
        self._pacer = RealtimePacer(0.02, reanchor_after_s=0.2)  # a stalled encoder re-anchors, never bursts
        self.frames_spoken = 0

    def push(self, pcm: bytes) -> None:
        self._queue.append(pcm)

    def flush(self) -> None:
        self._queue.clear()

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = await self._pacer.next()
        if self._queue:
            pcm = self._queue.popleft()
            self.frames_spoken += 1
        else:
            pcm = bytes(FRAME_BYTES)
        frame = av.AudioFrame.from_ndarray(np.frombuffer(pcm, "<i2")[None, :], format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = n * FRAME_SAMPLES
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        return frame


class _RtcOutput:
    """VoiceOutput for a room: audio to the published track, events to a callback."""

    def __init__(self, track: AgentAudioTrack, on_event: Callable[[dict[str, Any]], None]) -> None:
        self.track = track
        self.on_event = on_event

    async def send_audio(self, pcm: bytes) -> None:
        self.track.push(pcm)

    def flush_audio(self) -> None:
        """Barge-in: the frames queued for the track's encoder are dropped the moment it is detected."""
        self.track.flush()

    async def send_event(self, event: dict[str, Any]) -> None:
        if event.get("type") == "interrupted" or (event.get("type") == "audio_end" and event.get("interrupted")):
            self.track.flush()  # the server side of the jitter buffer: stop at once
        self.on_event(event)


class RoomPlane(Protocol):
    """What the transport needs of souk.media.plane.MediaPlane."""

    async def join_publisher(self, room: RoomKey, *, display: str = "") -> Any: ...

    async def subscribe(self, room: RoomKey, feeds: Any, *, wait_s: float = 5.0) -> Any: ...


class JanusVoiceParticipant:
    """Join ``room`` (one merchant's) as "the assistant": publish its voice, listen to one feed."""

    def __init__(self, plane: RoomPlane, engine: VoiceEngine, brain: BrainSession, room: RoomKey, *,
                 display: str = "Souk assistant", language: str | None = None,
                 on_event: Callable[[dict[str, Any]], None] | None = None) -> None:
        self._plane = plane
        self._engine = engine
        self._brain = brain
        self.room = room
        self._display = display
        self._language = language
        self.events: deque[dict[str, Any]] = deque(maxlen=500)
        self._on_event = on_event
        self.track = AgentAudioTrack()
        self.session: VoiceSession | None = None
        self._pub: Any = None
        self._sub: Any = None
        self._pc_pub: RTCPeerConnection | None = None
        self._pc_sub: RTCPeerConnection | None = None
        self._tasks = TaskOwner(f"rtc-agent:{room}")
        self.frames_heard = 0
        self.listening: int | None = None  # the feed id heard now
        self._hearing: asyncio.Task[None] | None = None
        self._existing: list[Any] = []
        self._red_of: Callable[[], bool] | None = None  # follow(): is the followed feed RED?
        self._closed = False

    def _event(self, ev: dict[str, Any]) -> None:
        self.events.append(ev)
        if self._on_event is not None:
            self._on_event(ev)

    async def join(self) -> list[Any]:
        """Publish the agent's voice; returns the feeds already in the room (see :meth:`listen`)."""
        self.session = self._engine.new_session(self._brain, _RtcOutput(self.track, self._event),
                                                language=self._language, session_id=f"rtc:{self.room}")
        self._pc_pub = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self._pc_pub.addTrack(self.track)
        self._pub = await self._plane.join_publisher(self.room, display=self._display)
        await self._pc_pub.setLocalDescription(await self._pc_pub.createOffer())
        offer = _jsep("offer", self._pc_pub.localDescription.sdp)
        answer = await self._pub.publish(offer, audio=True, video=False)
        await self._pc_pub.setRemoteDescription(RTCSessionDescription(sdp=answer.sdp, type=answer.type))
        self.session.start()
        self._existing = list(getattr(self._pub, "existing", []) or [])
        return list(self._existing)

    @property
    def feed_id(self) -> int | None:
        """The agent's own feed in the room (once joined)."""
        return None if self._pub is None else int(self._pub.feed_id)

    async def say(self, text: str, language: str) -> None:
        """Speak a scripted line (see :meth:`VoiceSession.say`)."""
        if self.session is None:
            raise NotFound("join the room first", code="not_joined")
        await self.session.say(text, language)

    def follow(self, display: str, *, wait_s: float = 10.0, red: Callable[[], bool] | None = None) -> None:
        """Listen to whoever publishes as ``display``: the feed in the room now, or the first to come, and
        the new one each time they publish again. Runs until :meth:`aclose`. ``red()``, asked at each
        listen: that feed's audio is RFC 2198 RED (souk.signal.red), unwrapped to Opus here."""
        if self.session is None:
            raise NotFound("join the room first", code="not_joined")
        self._red_of = red
        self._tasks.spawn(self._follow(display, wait_s), f"follow:{display}")

    async def _follow(self, display: str, wait_s: float) -> None:
        from souk.media.events import HandleGone, PublisherJoined, PublisherLeft

        for feed in self._existing:
            if getattr(feed, "display", None) == display:
                await self._try_listen(int(feed.feed_id), wait_s)
        async for ev in self._pub.events():
            if isinstance(ev, PublisherJoined) and ev.feed.display == display:
                await self._try_listen(ev.feed.feed_id, wait_s)
            elif isinstance(ev, PublisherLeft) and ev.feed_id == self.listening:
                log.info("%s: feed %s of %s left (%s)", self.room, ev.feed_id, display, ev.reason)
                await self._stop_listening()
            elif isinstance(ev, HandleGone):
                return

    async def _try_listen(self, feed_id: int, wait_s: float) -> None:
        try:
            await self.listen(feed_id, wait_s=wait_s, red=self._red_of is not None and self._red_of())
        except (SoukError, TimeoutError) as exc:  # they may publish again: keep following
            log.warning("%s: could not listen to feed %s: %s", self.room, feed_id, exc)

    async def listen(self, feed_id: int, *, wait_s: float = 10.0, red: bool = False) -> None:
        """Subscribe to the feed whose audio is the user's voice (``red``: sent as RFC 2198 RED, see
        souk.agent.transports.red)."""
        if self.session is None:
            raise NotFound("join the room first", code="not_joined")
        await self._stop_listening()  # one feed at a time: a new one replaces the old
        self.listening = feed_id
        self._sub = await self._plane.subscribe(self.room, [feed_id], wait_s=wait_s)
        self._pc_sub = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        got_track: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()

        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio" and not got_track.done():
                got_track.set_result(track)

        self._pc_sub.on("track", on_track)
        offer = self._sub.offer
        await self._pc_sub.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type=offer.type))
        for tr in self._pc_sub.getTransceivers():
            tr.receiver.transport._set_role("server")  # DTLS server: no 1 s first-handshake stall (NOTES)
            if red and tr.kind == "audio":
                unwrap_red(tr.receiver)  # Janus relays the browser's RED as "opus": keep the primary block
        await self._pc_sub.setLocalDescription(await self._pc_sub.createAnswer())
        await self._sub.start(_jsep("answer", self._pc_sub.localDescription.sdp))
        try:
            track = await asyncio.wait_for(got_track, wait_s)
        except TimeoutError as exc:
            raise Timeout(f"feed {feed_id} has no audio track", code="no_audio") from exc
        self._hearing = self._tasks.spawn(self._hear(track), f"hear:{feed_id}")

    async def _stop_listening(self) -> None:
        hearing, self._hearing = self._hearing, None
        if hearing is not None and hearing is not asyncio.current_task():
            hearing.cancel()
            await asyncio.gather(hearing, return_exceptions=True)
        sub, self._sub = self._sub, None
        pc, self._pc_sub = self._pc_sub, None
        self.listening = None
        if sub is not None:
            try:
                await sub.aclose()
            except SoukError as exc:
                log.warning("%s: leaving the subscription failed: %s", self.room, exc)
        if pc is not None:
            # shielded: a second close() awaits aiortc's own closing future, and a cancel of this task (the
            # participant leaving) would cancel that shared future under aiortc's own close task
            await asyncio.shield(pc.close())

    async def _hear(self, track: MediaStreamTrack) -> None:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        assert self.session is not None
        try:
            while True:
                frame = await track.recv()
                if not isinstance(frame, av.AudioFrame):
                    continue
                for out in resampler.resample(frame):
                    pcm = out.to_ndarray().astype("<i2").tobytes()
                    self.frames_heard += 1
                    await self.session.feed_audio(pcm)
        except MediaStreamError:
            return

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._tasks.aclose()
        if self.session is not None:
            await self.session.aclose()
        for part in (self._sub, self._pub):
            if part is not None:
                try:
                    await part.aclose()
                except Exception:
                    log.warning("leaving room %s failed", self.room, exc_info=True)
        for pc in (self._pc_sub, self._pc_pub):
            if pc is not None:
                await pc.close()
        self.track.stop()


def _jsep(kind: Literal["offer", "answer"], sdp: str) -> Any:
    from souk.media.types import Jsep

    return Jsep(kind, sdp)
