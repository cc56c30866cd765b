"""Plain value types the media plane hands out (frozen, slotted, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

RoomKind = Literal["consult", "live", "conference"]
JsepType = Literal["offer", "answer"]


@dataclass(frozen=True, slots=True)
class Jsep:
    """A session description as exchanged with browsers and Janus."""

    type: JsepType
    sdp: str
    # False: the SDP already carries every candidate (aiortc); None: the peer trickles (browsers)
    trickle: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "sdp": self.sdp}
        if self.trickle is not None:
            out["trickle"] = self.trickle
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Jsep:
        from souk.core.errors import BadRequest

        if not isinstance(data, dict):
            raise BadRequest("jsep must be an object with type and sdp")
        kind, sdp = data.get("type"), data.get("sdp")
        if kind not in ("offer", "answer") or not isinstance(sdp, str) or not sdp.strip():
            raise BadRequest("jsep needs type 'offer' or 'answer' and a non-empty sdp")
        trickle = data.get("trickle")
        return cls(type=kind, sdp=sdp, trickle=trickle if isinstance(trickle, bool) else None)


@dataclass(frozen=True, slots=True)
class Feed:
    """A publisher's stream in a room, as other participants can subscribe to it."""

    feed_id: int
    display: str = ""
    audio: bool = False
    video: bool = False


@dataclass(frozen=True, slots=True)
class RoomInfo:
    """Where a Souk room lives on the media plane. The Janus secret never leaves the server."""

    room_id: str
    merchant_id: str
    janus_room: int
    node_id: str
    kind: RoomKind
    max_publishers: int
    created: bool  # False when the room already existed


@dataclass(frozen=True, slots=True)
class NodeHealth:
    node_id: str
    url: str
    region: str
    up: bool
    rooms: int
    handles: int
    detail: str = ""
