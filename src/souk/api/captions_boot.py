"""Building the live captions (souk.live.captions) for a process that serves the stage: the speech model
loaded on first use, audio taps on the media plane, captions on the room's RTM channel, translations through
the reader translation service, final captions in storage."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any, Protocol

from souk.api.context import AppContext
from souk.core.errors import Unavailable
from souk.core.tenancy import RoomKey
from souk.live.caption_langs import ViewerLanguages
from souk.live.caption_show import Tap, Translate
from souk.live.captions import CaptionEngine, CaptionService, VoiceRoomView
from souk.live.translation import ReaderTranslation
from souk.media.plane import MediaPlane
from souk.media.tap import AudioTap
from souk.media.voice_plane import VoicePlane
from souk.storage.repos.captions import SqlCaptionRepo
from souk.translate.types import Translation

TAP_HOST = "127.0.0.1"  # where Janus sends a speaker's audio: this process, beside Janus (docs/translation.md)


class PlaneTaps:
    def __init__(self, plane: MediaPlane, host: str = TAP_HOST) -> None:
        self._plane = plane
        self._host = host

    async def open(self, room: RoomKey, feed_id: int) -> Tap:
        return await AudioTap.open(self._plane, room, feed_id, host=self._host)


class MixTaps:
    def __init__(self, voice: VoicePlane, host: str = TAP_HOST) -> None:
        self._voice = voice
        self._host = host

    async def open_mix(self, room: RoomKey) -> Tap:
        return await AudioTap.open_mix(self._voice, room, host=self._host)


class ServedVoiceRooms:
    """The voice rooms of this process, read when asked (they are built after the captions)."""

    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx

    async def get(self, merchant_id: str, room_id: str) -> VoiceRoomView:
        if self._ctx.voice_rooms is None:
            raise Unavailable("voice rooms are not running", code="voice_rooms_unavailable")
        return await self._ctx.voice_rooms.get(merchant_id, room_id)


class Channel(Protocol):
    async def publish(self, merchant_id: str, room_id: str, body: dict[str, Any], cid: str = "") -> int | None: ...


class RtmCaptions:
    """Captions as ``system`` messages of the room's channel, one RTM sender per language (own rate budget).
    ``channel(sender)`` is the room channel as that sender (souk.api.bootstrap.RtmChannel)."""

    def __init__(self, channel: Callable[[str], Channel]) -> None:
        self._channel = channel
        self._senders: dict[str, Channel] = {}

    async def publish(self, merchant_id: str, room_id: str, body: dict[str, Any], sender: str) -> None:
        channel = self._senders.get(sender)
        if channel is None:
            channel = self._senders[sender] = self._channel(sender)
        await channel.publish(merchant_id, room_id, body)


def reader_translate(translation: ReaderTranslation) -> Translate:
    async def translate(merchant_id: str, texts: list[str], src: str, dst: str) -> list[Translation]:
        glossary = await translation.glossaries.get(merchant_id)
        return await translation.translator.translate(merchant_id, texts, src, dst, glossary=glossary)

    return translate


def build_captions(ctx: AppContext, stack: AsyncExitStack, channel: Callable[[str], Channel]) -> CaptionService:
    from souk.agent.caption_engine import load_caption_engine

    async def engine() -> CaptionEngine:
        return await load_caption_engine(ctx.settings)

    if ctx.stage is None:
        raise RuntimeError("captions are built after the stage")
    service = CaptionService(
        ctx.stage, ctx.hub, PlaneTaps(ctx.media) if ctx.media is not None else None, engine, RtmCaptions(channel),
        SqlCaptionRepo(ctx.storage.db, ctx.storage.clock, redaction=ctx.storage.redaction),
        reader_translate(ctx.translation) if ctx.translation is not None else None,
        wall=ctx.clock.wall, languages=ViewerLanguages(ctx.clock.wall), voice_rooms=ServedVoiceRooms(ctx),
        mix_taps=MixTaps(ctx.voice_plane) if ctx.voice_plane is not None else None)
    ctx.stage.add_listener(service)
    stack.push_async_callback(service.aclose)
    return service
