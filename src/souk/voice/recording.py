"""A voice room's recorded mix as a replay: the same folder and manifest as a recorded live show
(souk.live.recording), so the replay routes and page (souk.live.replays) serve it with the room channel's
chapters and chat.

The voice plane writes the mix as ``<recordings>/<merchant>/<room>/<recording>/mix.wav`` (its ``record`` name);
the recording id is ``<room>.voice-<opened at, UTC>``, known from the room alone. At opening the manifest says
``recording``; after the room ended (the plane closed the file) it says ``ready`` with the WAV as the main and
only participant and its length, or ``failed`` with a reason.
"""

from __future__ import annotations

import logging
import wave
from pathlib import Path
from typing import Any

from souk.domain.voice_rooms import VoiceRoom
from souk.live.recording import FileSealer, read_manifest, write_manifest

log = logging.getLogger(__name__)

MIX = "mix.wav"


def recording_name(room: VoiceRoom) -> str:
    """``voice-<opened at>``: one recording per room (a room is opened once)."""
    return "voice-" + room.created_at.strftime("%Y%m%dT%H%M%SZ")


def mix_path(room: VoiceRoom) -> str:
    """The plane's ``record`` name (relative to the recordings folder)."""
    return f"{room.merchant_id}/{room.room_id}/{recording_name(room)}/{MIX}"


def _folder(root: Path, room: VoiceRoom) -> Path:
    return root / room.merchant_id / room.room_id / recording_name(room)


def started(root: Path, room: VoiceRoom) -> None:
    write_manifest(_folder(root, room), {
        "id": f"{room.room_id}.{recording_name(room)}", "merchant": room.merchant_id, "room": room.room_id,
        "show_id": recording_name(room), "title": room.title, "host": room.host_identity, "kind": "voice",
        "started_at": room.created_at.timestamp(), "ended_at": None, "status": "recording", "reason": None,
        "participants": [], "feeds": {}})


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


def finished(root: Path, room: VoiceRoom) -> dict[str, Any]:
    """Mark the recording ready (or failed) now that the plane closed the mix; returns the manifest."""
    folder = _folder(root, room)
    data = read_manifest(folder)
    ended = room.ended_at.timestamp() if room.ended_at is not None else None
    try:
        seconds = wav_seconds(folder / MIX)
    except (OSError, EOFError, wave.Error) as exc:
        log.warning("voice recording %s: no usable mix (%s)", data["id"], exc)
        data.update(status="failed", reason="no_mix", ended_at=ended)
    else:
        data.update(status="ready", reason=None, ended_at=ended, participants=[
            {"identity": room.host_identity, "file": MIX, "duration_s": round(seconds, 2), "main": True}])
        log.info("voice recording %s: ready, %.1f s of mix", data["id"], seconds)
    write_manifest(folder, data)
    return data


async def seal(root: Path, room: VoiceRoom, sealer: FileSealer) -> None:
    """Encrypt the finished mix at rest (``mix.wav.enc``; the replay decrypts it as it streams)."""
    folder = _folder(root, room)
    await sealer.seal(room.merchant_id, folder / MIX)
    data = read_manifest(folder)
    data["encrypted"] = True
    write_manifest(folder, data)
