"""What the voice-room service needs of the rest of Souk, as Protocols (the composition root wires them)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from souk.core.tenancy import RoomKey
from souk.media.voice_plane import SpeakerState, VoiceEvent


class Publisher(Protocol):
    async def publish(self, merchant_id: str, room_id: str, body: dict[str, Any], cid: str = "") -> int | None:
        """Publish a ``system`` message on the room's RTM channel; its sequence number."""
        ...


class VoiceMedia(Protocol):
    """The voice plane (souk.media.voice_plane.VoicePlane, contract V1) as this service uses it."""

    async def ensure_room(self, room: RoomKey, *, seats: int, prebuffer: int = 2, record: str | None = None,
                          region: str | None = None) -> object: ...

    async def destroy_room(self, room: RoomKey) -> bool: ...

    async def mute(self, room: RoomKey, identity: str, muted: bool) -> bool: ...

    async def kick(self, room: RoomKey, identity: str) -> bool: ...

    async def speakers(self, room: RoomKey) -> list[SpeakerState]: ...

    def on_event(self, callback: Callable[[VoiceEvent], None]) -> None: ...


class RecordingConsent(Protocol):
    """The shoppers' consent records (souk.privacy.consent.ConsentService) as a recorded room needs them."""

    async def may_record(self, merchant_id: str, subject: str) -> bool: ...

    def on_withdraw(self, merchant_id: str, subject: str,
                    watcher: Callable[[Any], Coroutine[Any, Any, None]]) -> Callable[[], None]: ...
