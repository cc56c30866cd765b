"""The versioned wire envelope and client/server frames (msgspec, JSON text frames).

Every durable message carries a per-channel sequence number assigned by the broker; clients order by it,
resume from it and dedupe by ``id`` (the client message id). Pure functions only: no I/O here.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import msgspec

from souk.core.errors import BadRequest, TooLarge
from souk.core.jsondepth import MAX_JSON_DEPTH, too_deep

VERSION = 1


class Kind(str, Enum):
    CHAT = "chat"
    DANMAKU = "danmaku"
    LIKE = "like"
    GIFT = "gift"
    SYSTEM = "system"
    CUSTOM = "custom"
    TYPING = "typing"


#: kinds that are aggregated per tick and never stored
EPHEMERAL: frozenset[Kind] = frozenset({Kind.LIKE, Kind.TYPING})


class Message(msgspec.Struct, frozen=True, omit_defaults=True):
    """One durable message as stored and as delivered (encoded once, shared by every recipient)."""

    v: int
    ch: str
    seq: int
    id: str
    k: Kind
    b: Any
    frm: str = msgspec.field(name="from")
    ts: float
    name: str = ""
    role: str = ""


# ---- client -> server frames (tagged by "t") ----


class Join(msgspec.Struct, tag="join", tag_field="t", frozen=True):
    ch: str
    since: int | None = None  # resume: deliver everything after this sequence
    history: int | None = None  # else: the last N (default from settings)
    id: str = ""


class Leave(msgspec.Struct, tag="leave", tag_field="t", frozen=True):
    ch: str
    id: str = ""


class Publish(msgspec.Struct, tag="pub", tag_field="t", frozen=True):
    ch: str
    k: Kind
    b: Any = None
    id: str = ""
    n: int = 1  # ephemeral count (likes)


class Moderate(msgspec.Struct, tag="mod", tag_field="t", frozen=True):
    ch: str
    a: str  # mute, unmute, kick, ban, unban, delete, slow, keywords
    user: str = ""
    seq: int = 0
    dur: float = 0.0
    words: list[str] = []
    id: str = ""


class Who(msgspec.Struct, tag="who", tag_field="t", frozen=True):
    ch: str
    id: str = ""


class Ping(msgspec.Struct, tag="ping", tag_field="t", frozen=True):
    id: str = ""


ClientFrame = Join | Leave | Publish | Moderate | Who | Ping

_client_decoder = msgspec.json.Decoder(ClientFrame)
_encoder = msgspec.json.Encoder()


def decode_client(raw: bytes | str, max_bytes: int) -> ClientFrame:
    """Parse one client frame; raises TooLarge / BadRequest with a clear message."""
    if len(raw) > max_bytes:
        raise TooLarge(f"frame of {len(raw)} bytes exceeds the limit of {max_bytes}", code="frame_too_large")
    if too_deep(raw):
        raise BadRequest(f"malformed frame: JSON nested deeper than {MAX_JSON_DEPTH} levels",
                         code="malformed_frame")
    try:
        return _client_decoder.decode(raw)
    except msgspec.ValidationError as exc:
        raise BadRequest(f"invalid frame: {exc}", code="bad_frame") from exc
    except msgspec.DecodeError as exc:
        raise BadRequest(f"malformed frame: {exc}", code="malformed_frame") from exc


def encode(obj: Any) -> bytes:
    return _encoder.encode(obj)


_message_decoder = msgspec.json.Decoder(Message)


def decode_message(raw: bytes) -> Message:
    return _message_decoder.decode(raw)


def body_size(body: Any) -> int:
    return len(_encoder.encode(body))


# ---- server -> client frames (built by hand from pre-encoded parts: encode once) ----


def batch_frame(ch_json: bytes, messages: list[bytes], agg: dict[str, int] | None, hist: bool = False) -> bytes:
    """``{"t":"b","ch":...,"m":[...],"agg":{...}}`` from already-encoded messages."""
    parts = [b'{"t":"b","ch":', ch_json, b',"m":[', b",".join(messages), b"]"]
    if agg:
        parts += [b',"agg":', _encoder.encode(agg)]
    if hist:
        parts.append(b',"hist":true')
    parts.append(b"}")
    return b"".join(parts)


def control_frame(t: str, **fields: Any) -> bytes:
    fields["t"] = t
    return _encoder.encode(fields)
