"""Streaming plugin wrapper: RTP mountpoints (audio + video) and viewers that watch them.

Used by the cascade (:mod:`souk.media.cascade`): a VideoRoom publisher on the origin node is
``rtp_forward``-ed to a mountpoint on an edge node, and audience viewers watch the mountpoint. The video
stream always has an ``rtcpport``: without the RTCP path, PLI/FIR from edge viewers never reach the
publisher and new viewers never get a keyframe (measured, see NOTES).

The request bodies are pure functions (golden-tested); :class:`Mountpoints` sends them through a control
handle and :class:`Viewer` has the same interface as the VideoRoom :class:`~souk.media.videoroom.Subscriber`
(``offer``, ``start``, ``trickle``, ``events``/``next_event``, ``aclose``, ``handle_id``, ``closed``,
``room``), so the signaling session can hand either to a browser without knowing which.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from souk.core.errors import BadRequest, Conflict
from souk.core.tenancy import RoomKey
from souk.media.client import JanusHandle
from souk.media.errors import JanusError
from souk.media.types import Jsep
from souk.media.videoroom import _Participant, _Receiver

log = logging.getLogger(__name__)

PLUGIN = "janus.plugin.streaming"
OPUS_PT = 111
VP8_PT = 96
NO_SUCH_MOUNTPOINT = 455
_MAX_SAFE = (1 << 53) - 1


def mountpoint_id(room: RoomKey, feed_id: int, owner: str = "") -> int:
    """A stable mountpoint id for one feed of one merchant's room, per owning Souk process (``owner``): two
    Souk processes relaying the same feed to the same edge each keep their own mountpoint."""
    text = f"{room.merchant_id}\x00{room.room_id}\x00{feed_id}\x00{owner}"
    digest = hashlib.blake2b(text.encode(), digest_size=8,
                             person=b"souk-mount").digest()
    return (int.from_bytes(digest, "big") & _MAX_SAFE) or 1


@dataclass(frozen=True, slots=True)
class MountpointPorts:
    """Where a mountpoint listens for the forwarded RTP (and sends the video RTCP feedback from)."""

    mountpoint: int
    audio: int
    video: int
    video_rtcp: int


# ------------------------------------------------------------------ pure request bodies


def create_body(mp: int, *, admin_key: str, secret: str, pin: str, name: str, host: str = "127.0.0.1",
                audio_port: int = 0, video_port: int = 0, video_rtcp_port: int = 0) -> dict[str, Any]:
    """``create`` for an RTP mountpoint with one Opus and one VP8 stream, bound to ``host`` (the address
    the origin forwards to). Port 0: Janus picks a free one from the streaming plugin's ``rtp_port_range``."""
    for port in (audio_port, video_port, video_rtcp_port):
        if not 0 <= port <= 65535:
            raise BadRequest(f"bad mountpoint port {port}")
    return {
        "request": "create", "admin_key": admin_key, "type": "rtp", "id": mp, "name": name[:100],
        "description": name[:100], "secret": secret, "pin": pin, "is_private": True, "permanent": False,
        "media": [
            {"type": "audio", "mid": "a", "label": "audio", "port": audio_port, "iface": host, "pt": OPUS_PT,
             "codec": "opus"},
            {"type": "video", "mid": "v", "label": "video", "port": video_port, "rtcpport": video_rtcp_port,
             "iface": host, "pt": VP8_PT, "codec": "vp8"},
        ],
    }


def parse_created(data: dict[str, Any]) -> MountpointPorts:
    """The ports Janus bound, from its ``created`` reply."""
    stream = data.get("stream") or {}
    ports = {p.get("type"): p for p in stream.get("ports") or [] if isinstance(p, dict)}
    try:
        return MountpointPorts(int(stream["id"]), int(ports["audio"]["port"]), int(ports["video"]["port"]),
                               int(ports["video"]["rtcp_port"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise JanusError(f"streaming create: reply without the bound ports ({data!r:.200})") from exc


def destroy_body(mp: int, *, secret: str) -> dict[str, Any]:
    return {"request": "destroy", "id": mp, "secret": secret, "permanent": False}


def watch_body(mp: int, *, pin: str) -> dict[str, Any]:
    return {"request": "watch", "id": mp, "pin": pin}


# ------------------------------------------------------------------ mountpoint control


class Mountpoints:
    """Create/destroy mountpoints through one Streaming control handle on a node."""

    def __init__(self, handle: JanusHandle, admin_key: str) -> None:
        self.handle = handle
        self.admin_key = admin_key

    async def create(self, mp: int, *, secret: str, pin: str, name: str, host: str = "127.0.0.1",
                     audio_port: int = 0, video_port: int = 0, video_rtcp_port: int = 0) -> MountpointPorts:
        data, _ = await self.handle.message(create_body(
            mp, admin_key=self.admin_key, secret=secret, pin=pin, name=name, host=host, audio_port=audio_port,
            video_port=video_port, video_rtcp_port=video_rtcp_port))
        return parse_created(data)

    async def destroy(self, mp: int, *, secret: str) -> bool:
        """Destroy the mountpoint (its viewers are hung up); False when it did not exist. Idempotent."""
        try:
            await self.handle.message(destroy_body(mp, secret=secret))
        except JanusError as exc:
            if exc.janus_code == NO_SUCH_MOUNTPOINT:
                return False
            raise
        return True


# ------------------------------------------------------------------ viewers


class Viewer(_Receiver):
    """One audience member watching a mountpoint. Janus makes the offer; :meth:`start` takes the answer.

    ``room`` is the merchant's Souk room, ``feeds`` the VideoRoom feed the mountpoint relays, ``node_id`` the edge.
    """

    role = "viewer"

    def __init__(self, handle: JanusHandle, room: RoomKey, mountpoint: int, feeds: tuple[int, ...], offer: Jsep,
                 on_close: Callable[[_Participant], None] | None = None) -> None:
        super().__init__(handle, room, mountpoint, feeds, offer, on_close)
        self.mountpoint = mountpoint

    async def configure_layer(self, substream: int, temporal: int | None = None) -> None:
        """A relayed viewer gets the one layer its relay forwards: there is nothing to pick."""
        raise Conflict("a relayed viewer has no simulcast layers to pick", code="layer_unsupported")

    async def restart_ice(self) -> Jsep:
        """Not offered on a relayed viewer: the SDK subscribes afresh instead (docs/resilience.md)."""
        raise Conflict("a relayed viewer cannot restart ICE: subscribe again", code="restart_unsupported")

    async def relay_video(self, on: bool) -> None:
        """A relayed viewer's mountpoint relays what it relays: the SDK mutes the video element instead."""
        raise Conflict("a relayed viewer cannot pause its video", code="pause_unsupported")

    async def _leave(self) -> None:
        # Janus 1.1.2 answers "stop" only for a viewer whose PeerConnection is up: not for one never started,
        # still connecting, or already hung up (its mountpoint destroyed). Measured: the 3 s timeout each
        # time. Detaching alone releases those.
        if self.webrtc_up:
            await self.handle.message({"request": "stop"}, timeout=3.0)


async def watch(handle: JanusHandle, room: RoomKey, mp: int, feeds: tuple[int, ...], *, pin: str,
                on_close: Callable[[_Participant], None] | None = None) -> Viewer:
    """Ask to watch mountpoint ``mp`` on ``handle``: Janus answers with its offer for the viewer."""
    data, jsep = await handle.message(watch_body(mp, pin=pin))
    if not jsep or jsep.get("type") != "offer":
        raise JanusError(f"streaming watch: no offer from Janus ({data.get('streaming')!r})")
    return Viewer(handle, room, mp, feeds, Jsep.from_dict(jsep), on_close)


__all__ = [
    "PLUGIN",
    "MountpointPorts",
    "Mountpoints",
    "Viewer",
    "create_body",
    "destroy_body",
    "mountpoint_id",
    "parse_created",
    "watch",
    "watch_body",
]
