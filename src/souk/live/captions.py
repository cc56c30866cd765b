"""Live captions of a show (issue 16): the host's choice per show, off by default; the speech model loaded
on first use; one :class:`~souk.live.caption_show.ShowCaptions` per captioned show; the viewers' languages;
the stored captions for the replay.

A stage listener: a feed published in a captioned show gets a tap; the show's end drains and stores the last
finals. A node without the speech model answers ``captions_unavailable`` (503) when the host turns captions
on, and the show goes on without them. Captions run on the node where they were turned on and where the
speakers' signaling sessions are (one node per live room: docs/multinode.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from souk.agent.captioner import Segment, StreamingCaptioner
from souk.core.errors import ConfigError, Conflict, SoukError, Unavailable
from souk.core.tasks import TaskOwner
from souk.core.tenancy import RoomKey
from souk.domain.captions import StoredCaption, replay_view
from souk.live.caption_langs import ViewerLanguages
from souk.live.caption_show import CaptionPublisher, CaptionStore, ShowCaptions, Tap, Translate
from souk.live.stage import LiveStage, Show
from souk.translate.types import language

log = logging.getLogger(__name__)

MAX_SHOWS = 64  # captioned shows at once on a node (each decodes speech on the CPU)
VOICE_CHECK_S = 5.0  # how often a captioned voice room is checked for its end
MIX = "room"  # the speaker of a voice room's captions: the mix of every seat, not one person


class CaptionEngine(Protocol):
    def captioner(self, emit: Callable[[Segment], Awaitable[None]], *, language: str | None,
                  name: str) -> StreamingCaptioner: ...

    async def aclose(self) -> None: ...


class TapOpener(Protocol):
    async def open(self, room: RoomKey, feed_id: int) -> Tap: ...


class Member(Protocol):
    @property
    def identity(self) -> str: ...

    @property
    def feed_id(self) -> int | None: ...


class Members(Protocol):
    def participants(self, room: RoomKey) -> Sequence[Member]: ...


class VoiceRoomView(Protocol):
    @property
    def live(self) -> bool: ...

    @property
    def title(self) -> str: ...

    @property
    def host_identity(self) -> str: ...

    @property
    def record(self) -> bool: ...

    @property
    def created_at(self) -> dt.datetime: ...


class VoiceRoomsPort(Protocol):
    async def get(self, merchant_id: str, room_id: str) -> VoiceRoomView: ...


class MixTaps(Protocol):
    async def open_mix(self, room: RoomKey) -> Tap: ...


class CaptionRepo(CaptionStore, Protocol):
    async def of_show(self, merchant_id: str, show_id: str) -> list[StoredCaption]: ...


class CaptionService:
    def __init__(self, stage: LiveStage, members: Members, taps: TapOpener | None,
                 engine: Callable[[], Awaitable[CaptionEngine]], publisher: CaptionPublisher, store: CaptionRepo,
                 translate: Translate | None, *, wall: Callable[[], float], languages: ViewerLanguages,
                 voice_rooms: VoiceRoomsPort | None = None, mix_taps: MixTaps | None = None) -> None:
        self._stage, self._members, self._taps = stage, members, taps
        self._load_engine = engine
        self._engine: CaptionEngine | None = None
        self._engine_lock = asyncio.Lock()
        self._pub, self._store, self._translate = publisher, store, translate
        self._wall = wall
        self.languages = languages
        self._shows: dict[RoomKey, ShowCaptions] = {}
        self._source_lang: dict[RoomKey, str | None] = {}
        self._voice_rooms, self._mix_taps = voice_rooms, mix_taps
        self._tasks = TaskOwner("captions")

    # ---- the host's switch ----
    async def set_enabled(self, merchant_id: str, room_id: str, on: bool, *, lang: str | None = None) -> dict[str, Any]:
        room = RoomKey(merchant_id, room_id)
        if not on:
            await self._stop(room)
            return self.state(merchant_id, room_id)
        show = self._stage.live_show(room)
        if show is None:
            raise Conflict(f"room {room_id}: captions need a live show (go live first)", code="show_not_live")
        src = language(lang) if lang else None
        if room in self._shows and self._shows[room].show.show_id == show.show_id:
            self._source_lang[room] = src
            return self.state(merchant_id, room_id)
        if self._taps is None:
            raise Unavailable("captions need the media plane, which this server does not run", code="media_unavailable")
        if len(self._shows) >= MAX_SHOWS:
            raise Unavailable(f"this node already captions {MAX_SHOWS} shows", code="captions_busy")
        captions = await self._start(room, show, src)
        for m in self._members.participants(room):
            if m.feed_id is not None:
                await self._add(captions, m.identity, m.feed_id)
        return self.state(merchant_id, room_id)

    async def _start(self, room: RoomKey, show: Show, src: str | None) -> ShowCaptions:
        engine = await self._engine_or_refuse()
        self._source_lang[room] = src
        captions = ShowCaptions(
            show, publisher=self._pub, store=self._store, translate=self._translate,
            languages=lambda: self.languages.languages(room),
            captioner=lambda emit: engine.captioner(emit, language=self._source_lang.get(room),
                                                    name=f"captions:{room.room_id}"),
            wall=self._wall)
        self._shows[room] = captions
        log.info("captions on: room %s show %s (source %s)", room, show.show_id, src or "detected")
        return captions

    # ---- voice rooms: the AudioBridge mix, one "speaker" ----
    async def set_voice_enabled(self, merchant_id: str, room_id: str, on: bool, *,
                                lang: str | None = None) -> dict[str, Any]:
        """Caption a live voice room's mix (every seat at once; its captions' speaker is ``room``). Its
        session id is ``voice-<opened, Unix s>``; the room's end turns them off (checked every 5 s)."""
        room = RoomKey(merchant_id, room_id)
        if not on:
            await self._stop(room)
            return self.state(merchant_id, room_id)
        if self._voice_rooms is None or self._mix_taps is None:
            raise Unavailable("voice room captions need the voice plane, which this server does not run",
                              code="media_unavailable")
        vr = await self._voice_rooms.get(merchant_id, room_id)
        if not vr.live:
            raise Conflict(f"voice room {room_id} has ended", code="voice_room_ended")
        src = language(lang) if lang else None
        opened = vr.created_at.timestamp()
        show = Show(merchant_id=merchant_id, room_id=room_id, show_id=f"voice-{int(opened)}", title=vr.title,
                    started_at=opened, recording=vr.record, host=vr.host_identity)
        if room in self._shows:
            self._source_lang[room] = src
            return self.state(merchant_id, room_id)
        if len(self._shows) >= MAX_SHOWS:
            raise Unavailable(f"this node already captions {MAX_SHOWS} shows", code="captions_busy")
        captions = await self._start(room, show, src)
        try:
            tap = await self._mix_taps.open_mix(room)
        except SoukError:
            await self._stop(room)
            raise
        await captions.add_speaker(MIX, 0, tap)
        self._tasks.spawn(self._voice_watch(room, captions), f"captions-voice:{room_id}")
        return self.state(merchant_id, room_id)

    async def _voice_watch(self, room: RoomKey, captions: ShowCaptions) -> None:
        assert self._voice_rooms is not None
        while self._shows.get(room) is captions:
            await asyncio.sleep(VOICE_CHECK_S)
            try:
                live = (await self._voice_rooms.get(room.merchant_id, room.room_id)).live
            except SoukError as exc:
                log.warning("captions: voice room %s not read: %s", room, exc)
                continue
            if not live and self._shows.get(room) is captions:
                await self._stop(room)

    async def _engine_or_refuse(self) -> CaptionEngine:
        async with self._engine_lock:
            if self._engine is None:
                try:
                    self._engine = await self._load_engine()
                except ConfigError as exc:
                    log.warning("captions refused: no speech model on this node: %s", exc)
                    raise Unavailable(f"live captions need the speech model, which this node does not have: "
                                      f"{exc}", code="captions_unavailable") from exc
            return self._engine

    def state(self, merchant_id: str, room_id: str) -> dict[str, Any]:
        room = RoomKey(merchant_id, room_id)
        cap = self._shows.get(room)
        return {"enabled": cap is not None, "show_id": cap.show.show_id if cap else None,
                "source_lang": self._source_lang.get(room) if cap else None,
                "languages": sorted(self.languages.languages(room)), "speakers": len(cap.feeds) if cap else 0}

    # ---- viewers ----
    def choose_language(self, merchant_id: str, room_id: str, identity: str, lang: str) -> dict[str, Any]:
        room = RoomKey(merchant_id, room_id)
        code = language(lang)
        self.languages.choose(room, identity, code)
        return {"lang": code, "ttl_s": self.languages.ttl_s, "enabled": room in self._shows}

    # ---- stage listener ----
    async def feed_published(self, show: Show, identity: str, feed_id: int) -> None:
        cap = self._shows.get(RoomKey(show.merchant_id, show.room_id))
        if cap is not None and cap.show.show_id == show.show_id:
            await self._add(cap, identity, feed_id)

    async def show_ended(self, show: Show) -> None:
        room = RoomKey(show.merchant_id, show.room_id)
        cap = self._shows.get(room)
        if cap is not None and cap.show.show_id == show.show_id:
            await self._stop(room)
        self.languages.forget(room)

    async def _add(self, cap: ShowCaptions, identity: str, feed_id: int) -> None:
        if feed_id in cap.feeds or self._taps is None:
            return
        try:
            tap = await self._taps.open(cap.room, feed_id)
        except SoukError as exc:  # the show goes on uncaptioned for this speaker
            log.warning("captions: room %s: no audio tap for %s (feed %d): %s", cap.room, identity, feed_id, exc)
            return
        await cap.add_speaker(identity, feed_id, tap)

    async def _stop(self, room: RoomKey) -> None:
        cap = self._shows.pop(room, None)
        self._source_lang.pop(room, None)
        if cap is None:
            return
        try:
            await cap.drain()
        finally:
            await cap.aclose()
        log.info("captions off: room %s show %s (%d published, %d stored)", room, cap.show.show_id,
                 cap.published, cap.stored)

    # ---- replay ----
    async def replay(self, merchant_id: str, show_id: str, lang: str | None = None) -> list[dict[str, Any]]:
        """The show's stored captions; with ``lang``, each in it (kept from the live translation, else
        translated now; the source text when the pair is unavailable)."""
        stored = await self._store.of_show(merchant_id, show_id)
        if not lang:
            return replay_view(stored)
        dst = language(lang)
        out = replay_view(stored, dst)
        if self._translate is None:
            return out
        groups: dict[str, list[dict[str, Any]]] = {}  # source language -> items still in it
        for item in out:
            if not item["translated"] and item["lang"] != dst and len(item["lang"]) == 2:
                groups.setdefault(item["lang"], []).append(item)
        for src, items in groups.items():  # one batched call per source language
            for item, r in zip(items, await self._translate(merchant_id, [i["source_text"] for i in items], src, dst),
                               strict=True):
                item["text"], item["translated"] = r.text, r.translated
        return out

    async def aclose(self) -> None:
        await self._tasks.aclose()
        for room in list(self._shows):
            cap = self._shows.pop(room)
            await cap.aclose()
        engine, self._engine = self._engine, None
        if engine is not None:
            await engine.aclose()
