"""One show's live captions: a tap and a streaming recogniser per speaker (host, co-hosts), the caption
messages on the room's channel, the translations per requested language and the stored finals.

Every caption update goes out at once in the source language (``captions`` sender) when a viewer reads that
language; its translations follow
from one worker per show, in order, one batched provider call per language and caption (never per viewer):
a partial already superseded by a newer update of the same caption is skipped, a final always translated.
Finals are stored with the translations made for them. Times are ms from the show's start (the replay's
clock): a speaker's stream time plus when their tap opened.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from souk.agent.captioner import Segment, StreamingCaptioner
from souk.core.errors import SoukError
from souk.core.tasks import TaskOwner
from souk.core.tenancy import RoomKey
from souk.domain.captions import TEXT_MAX, StoredCaption
from souk.live.stage import Show
from souk.translate.types import Translation

log = logging.getLogger(__name__)

SOURCE_SENDER = "captions"  # RTM sender of source captions; translations: "captions-<lang>" (own rate budget)


class Chunk(Protocol):
    @property
    def pcm(self) -> bytes: ...

    @property
    def at_ms(self) -> int: ...


class Tap(Protocol):
    async def read(self) -> Chunk | None: ...

    async def aclose(self) -> None: ...


class CaptionPublisher(Protocol):
    async def publish(self, merchant_id: str, room_id: str, body: dict[str, Any], sender: str) -> None: ...


class CaptionStore(Protocol):
    async def put(self, merchant_id: str, caption: StoredCaption) -> None: ...


class Translate(Protocol):
    async def __call__(self, merchant_id: str, texts: list[str], src: str, dst: str) -> list[Translation]:
        """One batched call; never raises for a provider's trouble (souk.translate.service.Translator)."""


@dataclass(frozen=True, slots=True)
class Update:
    seq: int
    speaker: str
    start_ms: int
    end_ms: int
    final: bool
    lang: str
    text: str

    def body(self, lang: str, text: str, *, translated: bool) -> dict[str, Any]:
        return {"type": "caption", "seq": self.seq, "start_ms": self.start_ms, "end_ms": self.end_ms,
                "final": self.final, "lang": lang, "text": text, "src": self.lang, "translated": translated,
                "speaker": self.speaker}


class ShowCaptions:
    def __init__(self, show: Show, *, publisher: CaptionPublisher, store: CaptionStore,
                 translate: Translate | None, languages: Callable[[], frozenset[str]],
                 captioner: Callable[[Callable[[Segment], Awaitable[None]]], StreamingCaptioner],
                 wall: Callable[[], float], max_queue: int = 64) -> None:
        self.show = show
        self.room = RoomKey(show.merchant_id, show.room_id)
        self._pub, self._store, self._translate = publisher, store, translate
        self._languages = languages
        self._new_captioner = captioner
        self._wall = wall
        self._speakers: dict[int, tuple[str, Tap, StreamingCaptioner]] = {}  # feed -> (identity, tap, stt)
        self._seqs: dict[tuple[int, int], int] = {}  # (feed, utterance) -> the show's caption seq
        self._next_seq = 0
        self._latest: dict[int, int] = {}  # seq -> number of its newest update (partials superseded)
        self._updates = 0
        self._queue: asyncio.Queue[tuple[int, Update]] = asyncio.Queue(max_queue)
        self._tasks = TaskOwner(f"captions:{show.show_id}")
        self._tasks.spawn(self._translate_worker(), f"captions-tr:{show.show_id}")
        self.published = 0
        self.stored = 0

    @property
    def feeds(self) -> frozenset[int]:
        return frozenset(self._speakers)

    async def add_speaker(self, identity: str, feed_id: int, tap: Tap) -> None:
        """Caption ``identity``'s feed (its tap just opened: stream time 0 is now)."""
        if feed_id in self._speakers:
            await tap.aclose()
            return
        offset_ms = max(0, round((self._wall() - self.show.started_at) * 1000))

        async def emit(seg: Segment) -> None:
            await self._segment(feed_id, identity, offset_ms, seg)

        stt = self._new_captioner(emit)
        self._speakers[feed_id] = (identity, tap, stt)
        self._tasks.spawn(self._listen(feed_id, tap, stt), f"captions-tap:{feed_id}")
        log.info("captions: room %s show %s: captioning %s (feed %d)", self.room, self.show.show_id, identity, feed_id)

    async def remove_speaker(self, feed_id: int) -> None:
        entry = self._speakers.pop(feed_id, None)
        if entry is not None:
            _, tap, stt = entry
            await tap.aclose()
            await stt.flush()
            await stt.aclose()

    async def _listen(self, feed_id: int, tap: Tap, stt: StreamingCaptioner) -> None:
        while True:
            chunk = await tap.read()
            if chunk is None:
                return
            await stt.feed(chunk.pcm, chunk.at_ms)

    async def _segment(self, feed_id: int, speaker: str, offset_ms: int, seg: Segment) -> None:
        key = (feed_id, seg.n)
        seq = self._seqs.get(key)
        if seq is None:
            seq = self._seqs[key] = self._next_seq
            self._next_seq += 1
        if seg.final:
            self._seqs.pop(key, None)
        text = seg.text[:TEXT_MAX]
        if not text and not seg.final:
            return
        up = Update(seq, speaker, offset_ms + seg.start_ms, offset_ms + max(seg.end_ms, seg.start_ms), seg.final,
                    seg.lang or "und", text)
        if up.lang in self._languages():  # nobody reads the source language: nothing to send (still stored)
            await self._send(up.body(up.lang, text, translated=False), SOURCE_SENDER)
        self._updates += 1
        self._latest[seq] = self._updates
        try:
            self._queue.put_nowait((self._updates, up))
        except asyncio.QueueFull:
            log.warning("captions: room %s: translation queue full; caption %d not translated", self.room, seq)
            if up.final:
                await self._keep(up, {})

    async def _send(self, body: dict[str, Any], sender: str) -> None:
        try:
            await self._pub.publish(self.show.merchant_id, self.show.room_id, body, sender)
            self.published += 1
        except SoukError as exc:  # a caption lost on the channel; the stored final still has it
            log.warning("captions: room %s: caption %s not published: %s", self.room, body.get("seq"), exc)

    async def _translate_worker(self) -> None:
        while True:
            n, up = await self._queue.get()
            try:
                if up.final or self._latest.get(up.seq, n) == n:  # else a newer update of it is on its way
                    await self._translated(up)
            finally:
                self._queue.task_done()

    async def _translated(self, up: Update) -> None:
        made: dict[str, str] = {}
        langs = sorted(self._languages() - {up.lang}) if up.text and len(up.lang) == 2 else []
        if langs and self._translate is not None:
            results = await asyncio.gather(*(self._translate(self.show.merchant_id, [up.text], up.lang, lang)
                                             for lang in langs))
            for lang, (r,) in zip(langs, results, strict=True):
                if r.translated:
                    made[lang] = r.text
                await self._send(up.body(lang, r.text, translated=r.translated), f"{SOURCE_SENDER}-{lang}")
        if up.final:
            self._latest.pop(up.seq, None)
            await self._keep(up, made)

    async def _keep(self, up: Update, translations: dict[str, str]) -> None:
        if not up.text:
            return
        try:
            await self._store.put(self.show.merchant_id, StoredCaption(
                show_id=self.show.show_id, seq=up.seq, room_id=self.show.room_id, speaker=up.speaker, lang=up.lang,
                start_ms=up.start_ms, end_ms=up.end_ms, text=up.text, translations=translations))
            self.stored += 1
        except SoukError as exc:
            log.warning("captions: room %s: caption %d not stored: %s", self.room, up.seq, exc)

    async def drain(self, timeout_s: float = 10.0) -> None:
        """Stop every speaker (their last finals decoded) and wait for the translations and storage."""
        for feed in list(self._speakers):
            await self.remove_speaker(feed)
        try:
            async with asyncio.timeout(timeout_s):
                await self._queue.join()
        except TimeoutError:
            log.warning("captions: room %s: %d captions left untranslated at the end", self.room, self._queue.qsize())

    async def aclose(self) -> None:
        for feed in list(self._speakers):
            _, tap, stt = self._speakers.pop(feed)
            await tap.aclose()
            await stt.aclose()
        await self._tasks.aclose()
