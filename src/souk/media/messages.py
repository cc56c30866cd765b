"""Janus API wire messages (Janus WebSocket API, 1.1.x): pure msgspec types, no I/O.

Requests are tagged by their ``janus`` field; :func:`encode` turns one into bytes. :func:`decode` turns a
frame from Janus into one of the incoming types, or raises :class:`BadMessage` (never anything else).
"""

from __future__ import annotations

from typing import Any

import msgspec

from souk.core.errors import SoukError


class BadMessage(SoukError, ValueError):
    """A frame from Janus that is not valid JSON or not a message we understand."""


# ---------------------------------------------------------------- requests (Souk -> Janus)


class _Req(msgspec.Struct, tag_field="janus", omit_defaults=True, kw_only=True):
    transaction: str
    apisecret: str | None = None


class Info(_Req, tag="info"):
    pass


class CreateSession(_Req, tag="create"):
    pass


class KeepAlive(_Req, tag="keepalive"):
    session_id: int


class DestroySession(_Req, tag="destroy"):
    session_id: int


class Attach(_Req, tag="attach"):
    session_id: int
    plugin: str
    opaque_id: str | None = None


class Detach(_Req, tag="detach"):
    session_id: int
    handle_id: int


class Hangup(_Req, tag="hangup"):
    session_id: int
    handle_id: int


class Message(_Req, tag="message"):
    session_id: int
    handle_id: int
    body: dict[str, Any]
    jsep: dict[str, Any] | None = None


class Trickle(_Req, tag="trickle"):
    session_id: int
    handle_id: int
    candidate: dict[str, Any] | None = None
    candidates: list[dict[str, Any]] | None = None


class _AdminReq(msgspec.Struct, tag_field="janus", omit_defaults=True, kw_only=True):
    transaction: str
    admin_secret: str | None = None


class ListSessions(_AdminReq, tag="list_sessions"):
    pass


class ListHandles(_AdminReq, tag="list_handles"):
    session_id: int


class AdminPing(_AdminReq, tag="ping"):
    pass


class HandleInfo(_AdminReq, tag="handle_info"):
    session_id: int
    handle_id: int


Request = (
    Info | CreateSession | KeepAlive | DestroySession | Attach | Detach | Hangup | Message | Trickle
    | ListSessions | ListHandles | AdminPing | HandleInfo
)

_encoder = msgspec.json.Encoder()


def encode(req: Request) -> bytes:
    return _encoder.encode(req)


# ---------------------------------------------------------------- incoming (Janus -> Souk)


class PluginData(msgspec.Struct):
    plugin: str
    data: dict[str, Any] = msgspec.field(default_factory=dict)


class ErrorBody(msgspec.Struct):
    code: int
    reason: str = ""


class _In(msgspec.Struct, tag_field="janus", kw_only=True):
    transaction: str | None = None
    session_id: int | None = None
    sender: int | None = None


class Success(_In, tag="success"):
    data: dict[str, Any] | None = None
    plugindata: PluginData | None = None
    # admin API replies put their payload at top level
    sessions: list[int] | None = None
    handles: list[int] | None = None
    info: dict[str, Any] | None = None  # handle_info


class Error(_In, tag="error"):
    error: ErrorBody


class Ack(_In, tag="ack"):
    hint: str | None = None


class Event(_In, tag="event"):
    plugindata: PluginData | None = None
    jsep: dict[str, Any] | None = None


class WebrtcUpMsg(_In, tag="webrtcup"):
    pass


class MediaMsg(_In, tag="media"):
    type: str = ""
    receiving: bool = False
    mid: str | None = None


class SlowLinkMsg(_In, tag="slowlink"):
    uplink: bool = False
    lost: int = 0
    media: str | None = None


class HangupMsg(_In, tag="hangup"):
    reason: str = ""


class DetachedMsg(_In, tag="detached"):
    pass


class TimeoutMsg(_In, tag="timeout"):
    pass


class ServerInfo(_In, tag="server_info"):
    name: str = ""
    version: int = 0
    version_string: str = ""
    plugins: dict[str, Any] = msgspec.field(default_factory=dict)
    transports: dict[str, Any] = msgspec.field(default_factory=dict)
    session_timeout: int = 0


class TrickleMsg(_In, tag="trickle"):
    candidate: dict[str, Any] | None = None


class Pong(_In, tag="pong"):
    pass


Incoming = (
    Success | Error | Ack | Event | WebrtcUpMsg | MediaMsg | SlowLinkMsg | HangupMsg | DetachedMsg
    | TimeoutMsg | ServerInfo | TrickleMsg | Pong
)

_decoder = msgspec.json.Decoder(Incoming)


def decode(frame: bytes | str) -> Incoming:
    """Parse one frame from Janus. Raises BadMessage for garbage, unknown kinds or wrong field types."""
    try:
        return _decoder.decode(frame)
    except msgspec.DecodeError as exc:  # ValidationError is a subclass
        preview = frame[:120] if isinstance(frame, str) else frame[:120].decode("utf-8", "replace")
        raise BadMessage(f"bad message from Janus: {exc}", details={"frame": preview}) from exc
