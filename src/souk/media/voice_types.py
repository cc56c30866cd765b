"""Voice-room value types of the media plane (frozen, slotted, no I/O) and the mix recording's file."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from souk.core.clock import Clock
from souk.core.errors import BadRequest
from souk.core.tenancy import RoomKey
from souk.media.audiobridge import BridgeOptions

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class VoiceRoomSpec:
    room: RoomKey
    seats: int
    options: BridgeOptions
    record: str | None
    events: bool = True


@dataclass(frozen=True, slots=True)
class VoiceRoomInfo:
    room: RoomKey
    janus_room: int
    node_id: str
    seats: int
    prebuffer: int
    recording: Path | None
    created: bool  # False when the AudioBridge room already existed


@dataclass(frozen=True, slots=True)
class SpeakerState:
    identity: str
    muted: bool
    talking: bool
    connected: bool  # its PeerConnection is set up


@dataclass(frozen=True, slots=True)
class Talking:
    room: RoomKey
    identity: str
    talking: bool


@dataclass(frozen=True, slots=True)
class SpeakerMuted:
    room: RoomKey
    identity: str
    muted: bool


@dataclass(frozen=True, slots=True)
class SpeakerJoined:
    room: RoomKey
    identity: str


@dataclass(frozen=True, slots=True)
class SpeakerLeft:
    room: RoomKey
    identity: str
    reason: Literal["left", "kicked"]


VoiceEvent = Talking | SpeakerMuted | SpeakerJoined | SpeakerLeft


def recording_path(recordings_dir: Path, name: str) -> Path:
    """Where a voice room's mix recording ``name`` (relative, ``.wav``) lands; BadRequest for a name that
    would leave the recordings folder."""
    rel = PurePosixPath(name)
    if rel.is_absolute() or ".." in rel.parts or not rel.name or rel.suffix != ".wav":
        raise BadRequest("a voice recording name is a relative path ending in .wav", code="bad_recording_name")
    return recordings_dir / Path(*rel.parts)


async def wait_recording_closed(path: Path, clock: Clock, wait_s: float = 3.0) -> bool:
    """Janus's mixer thread writes the WAV sizes when it closes the file, a moment after ``destroy``
    answered: wait (up to ``wait_s``) until the file reads as WAV, so a replay made next finds it whole."""
    deadline = clock.now() + wait_s
    while True:
        try:  # the RIFF size (bytes 4-8) stays 0 until Janus closes the file and writes it
            with path.open("rb") as f:
                head = f.read(12)
            size = path.stat().st_size
            if head[:4] == b"RIFF" and head[8:12] == b"WAVE" and int.from_bytes(head[4:8], "little") == size - 8:
                return True
        except OSError:
            pass
        if clock.now() + 0.05 > deadline:
            log.warning("voice recording %s not closed by Janus within %.1f s", path, wait_s)
            return False
        await clock.sleep(0.05)
