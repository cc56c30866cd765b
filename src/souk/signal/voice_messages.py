"""Voice-room messages on the signaling socket (pure: no I/O), beside :mod:`souk.signal.messages`.

After ``join`` of a room whose kind is ``voice`` (docs/voice-rooms.md, "Media path"):
  ``voice.speak`` (SDP offer, audio) -> ``answer``: a seat holder's connection into the room's AudioBridge
  (it hears the others' mix on it); ``voice.mute`` (self), ``voice.unspeak``;
  ``voice.listen`` -> ``voice.offer`` (Janus's offer of the room's mix) -> ``voice.answer`` -> ``ack``;
  ``voice.unlisten``; ``voice.trickle`` (target ``speak`` or ``listen``).
Server pushes: ``voice.removed`` (the speaker connection was closed by the server: ``kicked`` by the host or a
seat change, ``room_destroyed``, ``media_lost``) and the usual ``media`` (``target`` ``speak``/``listen``,
``webrtc`` up/down). Replies and errors are the socket's usual ``answer``, ``ack`` and ``error``.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from souk.signal import messages as m


class _VoiceMsg(msgspec.Struct, tag_field="type", forbid_unknown_fields=False, omit_defaults=True):
    pass


class VoiceSpeak(_VoiceMsg, tag="voice.speak"):
    sdp: str
    id: str = ""


class VoiceMute(_VoiceMsg, tag="voice.mute"):
    muted: bool
    id: str = ""


class VoiceUnspeak(_VoiceMsg, tag="voice.unspeak"):
    id: str = ""


class VoiceListen(_VoiceMsg, tag="voice.listen"):
    id: str = ""


class VoiceAnswer(_VoiceMsg, tag="voice.answer"):
    sdp: str
    id: str = ""


class VoiceUnlisten(_VoiceMsg, tag="voice.unlisten"):
    id: str = ""


class VoiceTrickle(_VoiceMsg, tag="voice.trickle"):
    target: Literal["speak", "listen"]
    candidate: m.Candidate | None = None  # None = gathering completed
    id: str = ""


VoiceClientMessage = VoiceSpeak | VoiceMute | VoiceUnspeak | VoiceListen | VoiceAnswer | VoiceUnlisten | VoiceTrickle
VOICE_TYPES = (VoiceSpeak, VoiceMute, VoiceUnspeak, VoiceListen, VoiceAnswer, VoiceUnlisten, VoiceTrickle)


class VoiceOffer(_VoiceMsg, tag="voice.offer"):
    """Janus's offer of the room's mix for a listener; answer with ``voice.answer``."""

    sdp: str
    id: str = ""


class VoiceRemoved(_VoiceMsg, tag="voice.removed"):
    """The server closed this client's speaker connection."""

    room: str
    reason: Literal["kicked", "left", "room_destroyed", "media_lost"]


VoiceServerMessage = VoiceOffer | VoiceRemoved


class VoiceErrorCode:
    NOT_VOICE_ROOM = "not_voice_room"  # a voice.* request in a room that is not a voice room
    NOT_SEATED = "not_seated"  # voice.speak without a seat (or the host role) in the room
    ALREADY_SPEAKING = "already_speaking"
    NOT_SPEAKING = "not_speaking"
    SEATS_FULL = "seats_full"  # every seat and the host already speak
    HOST_MUTED = "host_muted"  # a self-unmute while the host keeps this speaker muted
    ALREADY_LISTENING = "already_listening"
    NOT_LISTENING = "not_listening"


_decoder = msgspec.json.Decoder(m.ClientMessage | VoiceClientMessage)  # type: ignore[operator]


def decode(data: bytes | str) -> Any:
    """Decode one client message of the socket, voice messages included (stable error codes as in
    :func:`souk.signal.messages.decode_client`)."""
    return m.decode_with(_decoder, data)


def encode(msg: VoiceServerMessage | m.ServerMessage) -> bytes:
    """Any server message of the socket, voice ones included."""
    return msgspec.json.encode(msg)
