"""An audio tap: one VideoRoom publisher's audio forwarded by Janus (``rtp_forward``, audio only) to a UDP
port of this process and decoded from Opus to 16 kHz mono s16le PCM, without touching the video; or a voice
room's AudioBridge mix (:meth:`AudioTap.open_mix`, the bridge's own ``rtp_forward``).

The captions (souk.live.captions) read a host's speech this way. The forwarder goes to ``host`` (this
process's address as Janus reaches it: loopback when Janus runs beside Souk). Packets are decoded in
arrival order; a packet older than the last one decoded is dropped (a forwarder on loopback does not
reorder); each chunk carries its stream time in ms from the RTP clock, so a lost packet is a gap the
reader sees (the captioner counts it as silence). The queue of chunks is bounded: a reader that falls
behind loses the oldest audio, counted in ``dropped``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from dataclasses import dataclass

import av
from aiortc.rtp import RtpPacket

from souk.core.errors import NotFound, SoukError
from souk.core.tenancy import RoomKey
from souk.media.forward import FeedStreams, Forwarder, Forwarding
from souk.media.links import node_room_pin, node_room_secret
from souk.media.plane import MediaPlane
from souk.media.roomids import janus_room_id
from souk.media.streaming import MountpointPorts
from souk.media.voice_plane import VoicePlane

log = logging.getLogger(__name__)

OUT_RATE = 16_000
OPUS_CLOCK = 48_000


@dataclass(frozen=True, slots=True)
class AudioChunk:
    pcm: bytes  # 16 kHz mono s16le
    at_ms: int  # stream time of the first sample (from the first packet's RTP timestamp)


class OpusStream:
    """RTP packets of one Opus stream -> 16 kHz PCM chunks with their stream time (pure of I/O)."""

    def __init__(self) -> None:
        self._codec = av.CodecContext.create("opus", "r")
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=OUT_RATE)
        self._ts0: int | None = None
        self._last_seq: int | None = None
        self._ts_high = 0  # unwrapped timestamp of the last packet
        self.packets = 0
        self.late = 0

    def packet(self, data: bytes) -> list[AudioChunk]:
        try:
            rtp = RtpPacket.parse(data)
        except ValueError:
            return []
        if self._last_seq is not None:
            delta = (rtp.sequence_number - self._last_seq) & 0xFFFF
            if delta == 0 or delta > 0x8000:  # a duplicate or an older packet
                self.late += 1
                return []
        self._last_seq = rtp.sequence_number
        if self._ts0 is None:
            self._ts0 = rtp.timestamp
            self._ts_high = rtp.timestamp
        else:
            self._ts_high += (rtp.timestamp - self._ts_high) & 0xFFFFFFFF
        self.packets += 1
        at_ms = (self._ts_high - self._ts0) * 1000 // OPUS_CLOCK
        out = []
        try:
            for frame in self._codec.decode(av.Packet(rtp.payload)):
                frame.pts = None
                for res in self._resampler.resample(frame):
                    out.append(AudioChunk(bytes(res.planes[0])[: res.samples * 2], at_ms))
        except av.error.FFmpegError as exc:  # type: ignore[attr-defined]
            log.debug("opus packet %d not decoded: %s", rtp.sequence_number, exc)
        return out


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self, tap: AudioTap) -> None:
        self._tap = tap

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self._tap._datagram(data)


class AudioTap:
    """Open with :meth:`open`; read :meth:`read`; :meth:`aclose` stops the forwarder and the socket."""

    def __init__(self, room: RoomKey, feed_id: int, *, max_chunks: int = 500) -> None:
        self.room = room
        self.feed_id = feed_id
        self.port = 0
        self.dropped = 0
        self._stream = OpusStream()
        self._chunks: asyncio.Queue[AudioChunk | None] = asyncio.Queue(max_chunks)
        self._transport: asyncio.DatagramTransport | None = None
        self._plane: MediaPlane | None = None
        self._node_id = ""
        self._forwarders: tuple[Forwarder, ...] = ()
        self._mix: tuple[VoicePlane, str, int] | None = None  # (voice plane, node, stream id) of a mix tap
        self._closed = False

    def _bind(self, host: str) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.bind((host, 0))
        self.port = sock.getsockname()[1]
        return sock

    @classmethod
    async def open_mix(cls, voice: VoicePlane, room: RoomKey, *, host: str = "127.0.0.1") -> AudioTap:
        """Bind a UDP port on ``host`` and forward the voice room's mix (every speaker) to it."""
        tap = cls(room, 0)
        sock = tap._bind(host)
        tap._transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(lambda: _Receiver(tap), sock=sock)
        try:
            node_id = voice.pool.node_of(room)
            if node_id is None:
                raise NotFound(f"voice room {room} is not on the media plane", code="voice_room_not_found")
            control = await voice.control(node_id)
            stream = await control.forward(voice.janus_room(room), host=host, port=tap.port,
                                           secret=voice.room_secret(room))
            tap._mix = (voice, node_id, stream)
        except BaseException:
            await tap.aclose()
            raise
        log.info("audio tap: voice room %s mix -> %s:%d", room, host, tap.port)
        return tap

    @classmethod
    async def open(cls, plane: MediaPlane, room: RoomKey, feed_id: int, *, host: str = "127.0.0.1") -> AudioTap:
        """Bind a UDP port on ``host`` and ask the room's Janus to forward the feed's audio to it.
        NotFound ``no_such_feed`` when the feed publishes no audio."""
        tap = cls(room, feed_id)
        sock = tap._bind(host)
        tap._transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(lambda: _Receiver(tap), sock=sock)
        try:
            node_id = plane.pool.node_of(room)
            if node_id is None:
                raise SoukError(f"room {room} is not on the media plane", code="media_unavailable")
            node = plane.pool.get(node_id)
            link = await plane.link(node_id)
            fwd = Forwarding(link.control.handle, node.admin_key)
            janus_room = janus_room_id(room.merchant_id, room.room_id)
            streams = await fwd.streams_of(janus_room, feed_id, pin=node_room_pin(node, room))
            audio_only = FeedStreams(feed_id, streams.audio_mid, None)
            if streams.audio_mid is None:
                raise NotFound(f"feed {feed_id} publishes no audio", code="no_such_feed")
            tap._forwarders = await fwd.start(janus_room, audio_only, host=host,
                                              ports=MountpointPorts(0, tap.port, 0, 0),
                                              secret=node_room_secret(node, room))
            tap._plane, tap._node_id = plane, node_id
        except BaseException:
            await tap.aclose()
            raise
        log.info("audio tap: room %s feed %s -> %s:%d", room, feed_id, host, tap.port)
        return tap

    def _datagram(self, data: bytes) -> None:
        if self._closed:
            return
        for chunk in self._stream.packet(data):
            if self._chunks.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    self._chunks.get_nowait()
                self.dropped += 1
            self._chunks.put_nowait(chunk)

    @property
    def packets(self) -> int:
        return self._stream.packets

    async def read(self) -> AudioChunk | None:
        """The next chunk; None once the tap is closed."""
        if self._closed and self._chunks.empty():
            return None
        return await self._chunks.get()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._transport is not None:
            self._transport.close()
        with contextlib.suppress(asyncio.QueueFull):
            self._chunks.put_nowait(None)
        if self._mix is not None:
            voice, node_id, stream = self._mix
            try:
                await (await voice.control(node_id)).stop_forward(voice.janus_room(self.room), stream,
                                                                  secret=voice.room_secret(self.room))
            except SoukError as exc:
                log.warning("audio tap: stop_rtp_forward of %s's mix failed: %s", self.room, exc)
        if self._plane is not None and self._forwarders:
            try:
                node = self._plane.pool.get(self._node_id)
                link = await self._plane.link(self._node_id)
                await Forwarding(link.control.handle, node.admin_key).stop(
                    janus_room_id(self.room.merchant_id, self.room.room_id), self.feed_id, self._forwarders,
                    secret=node_room_secret(node, self.room))
            except SoukError as exc:
                log.warning("audio tap: stop_rtp_forward for %s feed %s failed: %s", self.room, self.feed_id, exc)
