"""Live captions of a show (souk.live.captions, caption_show, caption_langs) with fake taps, a fake recogniser
and a fake translator: the source caption first, one translation per requested language (never per viewer),
order kept, finals stored with their translations and times from the show's start; the host's switch."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from souk.agent.captioner import CaptionConfig, Segment, StreamingCaptioner
from souk.core.clock import ManualClock
from souk.core.errors import ConfigError, Conflict, Unavailable
from souk.core.tenancy import RoomKey
from souk.domain.captions import StoredCaption, replay_view
from souk.live.caption_langs import ViewerLanguages
from souk.live.captions import CaptionService
from souk.live.stage import LiveStage
from souk.translate.types import Translation, Why
from tests.unit.agent.test_captioner import CountingStt, EnergyVad, windows

ROOM = RoomKey("shop", "live-1")


@dataclass
class FakeTap:
    chunks: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    closed: bool = False

    async def read(self) -> Any:
        return await self.chunks.get()

    async def aclose(self) -> None:
        self.closed = True
        self.chunks.put_nowait(None)


@dataclass(frozen=True)
class Chunk:
    pcm: bytes
    at_ms: int


class Taps:
    def __init__(self) -> None:
        self.opened: dict[int, FakeTap] = {}

    async def open(self, room: RoomKey, feed_id: int) -> FakeTap:
        tap = self.opened[feed_id] = FakeTap()
        return tap


class Publisher:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def publish(self, merchant_id: str, room_id: str, body: dict[str, Any], sender: str) -> None:
        self.sent.append((sender, body))


class Store:
    def __init__(self) -> None:
        self.rows: list[tuple[str, StoredCaption]] = []

    async def put(self, merchant_id: str, caption: StoredCaption) -> None:
        self.rows.append((merchant_id, caption))

    async def of_show(self, merchant_id: str, show_id: str) -> list[StoredCaption]:
        return [c for m, c in self.rows if m == merchant_id and c.show_id == show_id]


class Translator:
    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], str, str]] = []

    async def __call__(self, merchant_id: str, texts: list[str], src: str, dst: str) -> list[Translation]:
        self.calls.append((tuple(texts), src, dst))
        if dst == "zh":  # no such pair: shown as spoken, marked untranslated
            return [Translation(t, t, src, dst, Why.UNAVAILABLE_PAIR) for t in texts]
        return [Translation(f"{dst}:{t}", t, src, dst, Why.TRANSLATED) for t in texts]


class Member:
    def __init__(self, identity: str, feed_id: int | None) -> None:
        self.identity, self.feed_id = identity, feed_id


class Hub:
    def __init__(self, members: list[Member]) -> None:
        self.members = members

    def participants(self, room: RoomKey) -> list[Member]:
        return self.members


class Engine:
    def __init__(self) -> None:
        self.stt = CountingStt()

    def captioner(self, emit: Callable[[Segment], Awaitable[None]], *, language: str | None,
                  name: str) -> StreamingCaptioner:
        return StreamingCaptioner(EnergyVad(), self.stt, emit, language=language or "en", config=CaptionConfig())

    async def aclose(self) -> None:
        pass


@pytest.fixture
def parts() -> dict[str, Any]:
    clock = ManualClock()
    stage = LiveStage(clock)
    return {"clock": clock, "stage": stage, "taps": Taps(), "pub": Publisher(), "store": Store(),
            "tr": Translator(), "hub": Hub([Member("host-1", 11)])}


def service(p: dict[str, Any], engine: Callable[[], Awaitable[Any]] | None = None) -> CaptionService:
    async def load() -> Engine:
        return Engine()

    return CaptionService(p["stage"], p["hub"], p["taps"], engine or load, p["pub"], p["store"], p["tr"],
                          wall=p["clock"].wall, languages=ViewerLanguages(p["clock"].wall))


async def speak(tap: FakeTap, pattern: str, at_ms: int = 0) -> None:
    pcm = windows(pattern)
    for i in range(0, len(pcm), 640):
        tap.chunks.put_nowait(Chunk(pcm[i:i + 640], at_ms + i // 32))
    for _ in range(50):
        await asyncio.sleep(0)


async def test_captions_need_a_live_show_and_are_off_by_default(parts: dict[str, Any]) -> None:
    svc = service(parts)
    assert svc.state("shop", "live-1")["enabled"] is False
    with pytest.raises(Conflict) as e:
        await svc.set_enabled("shop", "live-1", True)
    assert e.value.code == "show_not_live"
    await svc.aclose()


async def test_a_node_without_the_model_refuses_clearly_and_the_show_goes_on(parts: dict[str, Any]) -> None:
    async def missing() -> Engine:
        raise ConfigError("Whisper model not found in /x: run `make models`", code="model_missing")

    svc = service(parts, missing)
    show, _ = await parts["stage"].start_show("shop", "live-1", host="host-1")
    with pytest.raises(Unavailable) as e:
        await svc.set_enabled("shop", "live-1", True, lang="en")
    assert e.value.code == "captions_unavailable" and "make models" in e.value.message
    assert parts["stage"].live_show(ROOM) == show  # still live
    assert svc.state("shop", "live-1")["enabled"] is False
    await svc.aclose()


async def test_source_then_one_translation_per_language_in_order_and_finals_stored(parts: dict[str, Any]) -> None:
    svc = service(parts)
    stage: LiveStage = parts["stage"]
    show, _ = await stage.start_show("shop", "live-1", host="host-1")
    stage.add_listener(svc)
    await svc.set_enabled("shop", "live-1", True, lang="en")
    for viewer, lang in (("v1", "es"), ("v2", "es"), ("v3", "fr"), ("v4", "en")):
        svc.choose_language("shop", "live-1", viewer, lang)
    tap = parts["taps"].opened[11]
    await speak(tap, "." * 5 + "s" * 60 + "." * 20 + "s" * 40 + "." * 20)
    await svc.set_enabled("shop", "live-1", False)  # drains: every final translated and stored
    sent: list[tuple[str, dict[str, Any]]] = parts["pub"].sent
    finals = [(s, b["seq"], b["lang"]) for s, b in sent if b["final"]]
    # a source caption never waits for a translation; each language's captions leave in order
    assert sorted(finals) == [("captions", 0, "en"), ("captions", 1, "en"), ("captions-es", 0, "es"),
                              ("captions-es", 1, "es"), ("captions-fr", 0, "fr"), ("captions-fr", 1, "fr")]
    assert finals.index(("captions", 0, "en")) < finals.index(("captions-es", 0, "es"))
    for sender in ("captions", "captions-es", "captions-fr"):
        seqs = [b["seq"] for s, b in sent if s == sender]
        assert seqs == sorted(seqs), sender
        one = [b for s, b in sent if s == sender and b["seq"] == 0]
        assert one[-1]["final"] and not any(b["final"] for b in one[:-1])  # partials before their final
    # one provider call per language and caption update, however many viewers read it
    final_texts = {b["text"] for _, b in sent if b["final"] and b["lang"] == "en"}
    calls = [c for c in parts["tr"].calls if c[0][0] in final_texts]
    assert sorted(c[2] for c in calls) == ["es", "es", "fr", "fr"]
    es = next(b for s, b in sent if s == "captions-es" and b["final"])
    assert es["translated"] is True and es["text"].startswith("es:") and es["src"] == "en"
    rows = [c for _, c in parts["store"].rows]
    assert [c.seq for c in rows] == [0, 1] and set(rows[0].translations) == {"es", "fr"}
    assert rows[0].speaker == "host-1" and rows[0].show_id == show.show_id and rows[0].start_ms < rows[1].start_ms
    assert parts["taps"].opened[11].closed
    await svc.aclose()


async def test_captions_are_timed_from_the_show_start_and_replayed_in_a_language(parts: dict[str, Any]) -> None:
    svc = service(parts)
    stage: LiveStage = parts["stage"]
    show, _ = await stage.start_show("shop", "live-1", host="host-1")
    await parts["clock"].advance(30.0)  # captions turned on 30 s into the show
    await svc.set_enabled("shop", "live-1", True, lang="en")
    await speak(parts["taps"].opened[11], "s" * 40 + "." * 20)
    await svc.show_ended(show)
    (_, row), = parts["store"].rows
    assert 30_000 <= row.start_ms < 30_300 and row.end_ms > row.start_ms
    items = await svc.replay("shop", show.show_id, "de")  # not translated live: translated now, batched
    assert items[0]["text"] == f"de:{row.text}" and items[0]["translated"] and items[0]["at_s"] >= 30
    assert parts["tr"].calls[-1] == ((row.text,), "en", "de")
    assert (await svc.replay("shop", show.show_id, "zh"))[0]["translated"] is False  # pair unavailable
    assert svc.state("shop", "live-1")["enabled"] is False  # the show's end turned them off
    await svc.aclose()


async def test_a_co_host_publishing_later_is_captioned_too(parts: dict[str, Any]) -> None:
    svc = service(parts)
    stage: LiveStage = parts["stage"]
    show, _ = await stage.start_show("shop", "live-1", host="host-1")
    await svc.set_enabled("shop", "live-1", True)
    await svc.feed_published(show, "cohost-7", 22)
    await svc.feed_published(show, "cohost-7", 22)  # once per feed
    assert set(parts["taps"].opened) == {11, 22} and svc.state("shop", "live-1")["speakers"] == 2
    await speak(parts["taps"].opened[22], "s" * 40 + "." * 20)
    await svc.set_enabled("shop", "live-1", False)
    assert [c.speaker for _, c in parts["store"].rows] == ["cohost-7"]
    assert parts["pub"].sent == []  # nobody picked a caption language: nothing on the channel, the final stored
    await svc.aclose()


def test_viewer_languages_lapse_unless_repeated() -> None:
    now = [100.0]
    langs = ViewerLanguages(lambda: now[0], ttl_s=60)
    langs.choose(ROOM, "v1", "es")
    langs.choose(ROOM, "v2", "ar")
    assert langs.languages(ROOM) == {"es", "ar"}
    assert langs.languages(RoomKey("other", "live-1")) == frozenset()  # per merchant
    now[0] = 140.0
    langs.choose(ROOM, "v1", "es")  # repeated while watching
    now[0] = 170.0
    assert langs.languages(ROOM) == {"es"}  # v2 stopped asking
    langs.choose(ROOM, "v3", "fr")
    assert langs.languages(ROOM) == {"es", "fr"}  # a new language counts from the next caption, not a second later
    langs.leave(ROOM, "v3")
    assert langs.languages(ROOM) == {"es"}


def test_replay_view_orders_by_time_and_falls_back_to_the_source() -> None:
    a = StoredCaption("s", 1, "r", "h", "en", 5000, 6000, "later", {"es": "después"})
    b = StoredCaption("s", 0, "r", "h", "en", 1000, 2000, "first", {})
    items = replay_view([a, b], "es")
    assert [(i["at_s"], i["text"], i["translated"]) for i in items] == [(1.0, "first", False), (5.0, "después", True)]
