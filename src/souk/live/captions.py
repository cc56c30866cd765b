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
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from souk.agent.captioner import Segment, StreamingCaptioner
from souk.core.errors import ConfigError, Conflict, SoukError, Unavailable
from souk.core.tenancy import RoomKey
from souk.domain.captions import StoredCaption, replay_view
from souk.live.caption_langs import ViewerLanguages
from souk.live.caption_show import CaptionPublisher, CaptionStore, ShowCaptions, Tap, Translate
from souk.live.stage import LiveStage, Show
from souk.translate.types import language

log = logging.getLogger(__name__)

MAX_SHOWS = 64  # captioned shows at once on a node (each decodes speech on the CPU)


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


class CaptionRepo(CaptionStore, Protocol):
    async def of_show(self, merchant_id: str, show_id: str) -> list[StoredCaption]: ...


class CaptionService:
    def __init__(self, stage: LiveStage, members: Members, taps: TapOpener | None,
                 engine: Callable[[], Awaitable[CaptionEngine]], publisher: CaptionPublisher, store: CaptionRepo,
                 translate: Translate | None, *, wall: Callable[[], float], languages: ViewerLanguages) -> None:
        self._stage, self._members, self._taps = stage, members, taps
        self._load_engine = engine
        self._engine: CaptionEngine | None = None
        self._engine_lock = asyncio.Lock()
        self._pub, self._store, self._translate = publisher, store, translate
        self._wall = wall
        self.languages = languages
        self._shows: dict[RoomKey, ShowCaptions] = {}
        self._source_lang: dict[RoomKey, str | None] = {}

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
        engine = await self._engine_or_refuse()
        self._source_lang[room] = src
        captions = ShowCaptions(
            show, publisher=self._pub, store=self._store, translate=self._translate,
            languages=lambda: self.languages.languages(room),
            captioner=lambda emit: engine.captioner(emit, language=self._source_lang.get(room),
                                                    name=f"captions:{room_id}"),
            wall=self._wall)
        self._shows[room] = captions
        for m in self._members.participants(room):
            if m.feed_id is not None:
                await self._add(captions, m.identity, m.feed_id)
        log.info("captions on: room %s show %s (source %s)", room, show.show_id, src or "detected")
        return self.state(merchant_id, room_id)

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
        for room in list(self._shows):
            cap = self._shows.pop(room)
            await cap.aclose()
        engine, self._engine = self._engine, None
        if engine is not None:
            await engine.aclose()
