"""VideoRoom ``rtp_forward`` / ``stop_rtp_forward`` (Janus 1.1 multistream syntax) and the feed probe.

A forwarder sends one publisher's audio and video RTP to a Streaming mountpoint (:mod:`souk.media.streaming`)
on another node. The video stream carries ``rtcp_port`` (the mountpoint's ``rtcpport``): that is the path
PLI/FIR from edge viewers take back to the publisher, without which they never get a keyframe.

The request bodies are pure (golden-tested); :class:`Forwarding` sends them through a VideoRoom handle.
The VideoRoom config has ``lock_rtp_forward``, so every request carries the admin key and the room secret.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from souk.core.errors import NotFound
from souk.media.client import JanusHandle
from souk.media.errors import JanusError, JanusNotFound
from souk.media.streaming import OPUS_PT, VP8_PT, MountpointPorts


@dataclass(frozen=True, slots=True)
class FeedStreams:
    """The mids a publisher's feed has, per kind (first active stream of each kind)."""

    feed_id: int
    audio_mid: str | None
    video_mid: str | None
    # a simulcast video (browsers) is forwarded as one stream whose layer Janus picks, like for a viewer
    video_simulcast: bool = False


@dataclass(frozen=True, slots=True)
class Forwarder:
    stream_id: int
    kind: str
    port: int


def feed_streams(feed_id: int, publishers: Sequence[Mapping[str, Any]]) -> FeedStreams:
    """The feed's audio/video mids from a VideoRoom ``publishers`` list; NotFound when it is not there."""
    for pub in publishers:
        if pub.get("id") != feed_id:
            continue
        mids: dict[str, str] = {}
        simulcast = False
        for s in pub.get("streams") or []:
            if isinstance(s, dict) and not s.get("disabled") and isinstance(s.get("mid"), str):
                kind = str(s.get("type"))
                if kind not in mids:
                    mids[kind] = s["mid"]
                    simulcast |= kind == "video" and bool(s.get("simulcast"))
        return FeedStreams(feed_id, mids.get("audio"), mids.get("video"), simulcast)
    raise NotFound(f"feed {feed_id} is not publishing", code="no_such_feed")


def rtp_forward_body(room: int, feed: FeedStreams, *, host: str, ports: MountpointPorts, secret: str,
                     admin_key: str) -> dict[str, Any]:
    streams: list[dict[str, Any]] = []
    if feed.audio_mid is not None:
        streams.append({"mid": feed.audio_mid, "port": ports.audio, "pt": OPUS_PT})
    if feed.video_mid is not None:
        video: dict[str, Any] = {"mid": feed.video_mid, "port": ports.video, "rtcp_port": ports.video_rtcp,
                                 "pt": VP8_PT}
        if feed.video_simulcast:
            video["simulcast"] = True
        streams.append(video)
    if not streams:
        raise NotFound(f"feed {feed.feed_id} publishes neither audio nor video", code="no_such_feed")
    return {"request": "rtp_forward", "room": room, "publisher_id": feed.feed_id, "host": host,
            "host_family": "ipv4", "secret": secret, "admin_key": admin_key, "streams": streams}


def parse_forwarders(data: Mapping[str, Any]) -> tuple[Forwarder, ...]:
    try:
        return tuple(Forwarder(int(f["stream_id"]), str(f.get("type", "")), int(f.get("port", 0)))
                     for f in data["forwarders"])
    except (KeyError, TypeError, ValueError) as exc:
        raise JanusError(f"rtp_forward: reply without forwarders ({dict(data)!r:.200})") from exc


def stop_rtp_forward_body(room: int, feed_id: int, stream_id: int, *, secret: str, admin_key: str
                          ) -> dict[str, Any]:
    return {"request": "stop_rtp_forward", "room": room, "publisher_id": feed_id, "stream_id": stream_id,
            "secret": secret, "admin_key": admin_key}


class Forwarding:
    """rtp_forward requests through a VideoRoom control handle on the origin node."""

    def __init__(self, handle: JanusHandle, admin_key: str) -> None:
        self.handle = handle
        self.admin_key = admin_key

    async def streams_of(self, room: int, feed_id: int, *, pin: str) -> FeedStreams:
        """The feed's mids, read by joining the room as a silent publisher on a scratch handle and leaving."""
        scratch = await self.handle.session.attach(self.handle.plugin)
        try:
            data, _ = await scratch.message({"request": "join", "ptype": "publisher", "room": room, "pin": pin,
                                             "display": "souk-cascade-probe"})
            publishers = [p for p in data.get("publishers") or [] if isinstance(p, dict)]
            return feed_streams(feed_id, publishers)
        finally:
            await scratch.detach()

    async def start(self, room: int, feed: FeedStreams, *, host: str, ports: MountpointPorts,
                    secret: str) -> tuple[Forwarder, ...]:
        data, _ = await self.handle.message(rtp_forward_body(room, feed, host=host, ports=ports, secret=secret,
                                                             admin_key=self.admin_key))
        return parse_forwarders(data)

    async def stop(self, room: int, feed_id: int, forwarders: tuple[Forwarder, ...], *, secret: str) -> None:
        """Stop every forwarder; a room or publisher already gone counts as stopped."""
        for f in forwarders:
            try:
                await self.handle.message(stop_rtp_forward_body(room, feed_id, f.stream_id, secret=secret,
                                                                admin_key=self.admin_key))
            except JanusNotFound:
                return
            except JanusError as exc:
                if exc.janus_code in (428, 426):
                    return
                raise
