"""Reader translation inside a real Souk (uvicorn, the demo store, offline Apertium): live chat messages and a
desk conversation in the reader's language, the store's product names from its glossary, the original kept,
and untranslatable messages answered as written, never as errors."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from souk.domain.desk.timeline import Channel
from tests.fixtures.browser import CORE_FEATURES, running_souk

pytestmark = pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed")

FEATURES = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.desk", "souk.api.routes.translate")


@pytest.fixture
async def souk(tmp_path: Path) -> AsyncIterator[Any]:
    async with running_souk(tmp_path / "souk", features=FEATURES) as s:
        yield s


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_live_chat_messages_in_the_readers_language(souk: Any) -> None:
    tokens = souk.ctx.tokens
    viewer = tokens.mint(merchant_id=souk.merchant_id, identity="ana", room="live-7", role="audience", name="Ana")
    other_room = tokens.mint(merchant_id=souk.merchant_id, identity="bob", room="live-8", role="audience")
    async with httpx.AsyncClient(base_url=souk.base_url) as http:
        for kind, body in (("chat", "¿El Vestido de lino de verano tiene talla M?"), ("danmaku", "hola, gracias a todos"),
                           ("chat", "这个多少钱"), ("like", None)):
            r = await http.post("/v1/rtm/channels/live-7/messages", headers=bearer(viewer),
                                json={"kind": kind, "body": body})
            assert r.status_code == 200, r.text
        r = await http.post("/v1/rtm/channels/live-7/translations", headers=bearer(viewer),
                            json={"to": "en", "seqs": [1, 2, 3, 99]})
        assert r.status_code == 200, r.text
        body = r.json()
        by = {t["seq"]: t for t in body["translations"]}
        assert body["missing"] == [99]
        first = by[1]
        assert first["translated"] and first["src"] == "es" and first["provider"] == "apertium"
        assert "Linen Summer Dress" in first["text"], first  # the store's own English name, from the glossary
        assert first["source_text"] == "¿El Vestido de lino de verano tiene talla M?"
        assert by[2]["translated"] and "hello" in by[2]["text"].lower()
        assert (by[3]["translated"], by[3]["why"], by[3]["text"]) == (False, "unavailable_pair", "这个多少钱")
        again = (await http.post("/v1/rtm/channels/live-7/translations", headers=bearer(viewer),
                                 json={"to": "en", "seqs": [1]})).json()["translations"][0]
        assert again["cached"] and again["text"] == first["text"]

        r = await http.post("/v1/rtm/channels/live-7/translations", headers=bearer(other_room),
                            json={"to": "en", "seqs": [1]})
        assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_room"
        r = await http.post("/v1/rtm/channels/live-7/translations", headers=bearer(viewer),
                            json={"to": "english", "seqs": [1]})
        assert r.status_code == 422
        r = await http.post("/v1/rtm/channels/live-7/translations", headers=bearer(viewer),
                            json={"to": "en", "seqs": []})
        assert r.status_code == 422
        langs = (await http.get("/v1/translate/languages", headers=bearer(viewer))).json()
        assert langs["provider"] == "apertium" and ["en", "es"] in langs["directions"]


async def test_desk_messages_for_the_agent_and_the_shopper(souk: Any) -> None:
    desk, tokens, mid = souk.ctx.desk, souk.ctx.tokens, souk.merchant_id
    await desk.ensure(mid, "sess-tr-1", shopper="shopper-1", channel=Channel.ASSISTANT_TEXT, language="es")
    seq_shopper = await desk.shopper_message(mid, "sess-tr-1", shopper="shopper-1",
                                             text="Quiero devolver mi pedido")
    seq_note = await desk.note(mid, "sess-tr-1", "agent-1", "customer wants a refund")
    agent = tokens.mint(merchant_id=mid, identity="agent-1", room="*", role="agent")
    shopper = tokens.mint(merchant_id=mid, identity="shopper-1", room="sess-tr-1", role="member")
    stranger = tokens.mint(merchant_id=mid, identity="shopper-2", room="sess-tr-1", role="member")
    async with httpx.AsyncClient(base_url=souk.base_url) as http:
        r = await http.post("/v1/desk/conversations/sess-tr-1/translations", headers=bearer(agent),
                            json={"to": "en", "seqs": [seq_shopper, seq_note]})
        assert r.status_code == 200, r.text
        t = {x["seq"]: x for x in r.json()["translations"]}
        assert t[seq_shopper]["translated"] and "want" in t[seq_shopper]["text"].lower()  # Apertium: gist quality
        assert t[seq_note]["why"] == "same_language"
        r = await http.post("/v1/desk/conversations/sess-tr-1/translations", headers=bearer(shopper),
                            json={"to": "es", "seqs": [seq_shopper, seq_note]})
        assert r.status_code == 200 and r.json()["missing"] == [seq_note]  # a staff note is not the shopper's
        r = await http.post("/v1/desk/conversations/sess-tr-1/translations", headers=bearer(stranger),
                            json={"to": "es", "seqs": [seq_shopper]})
        assert r.status_code == 404 and r.json()["error"]["code"] == "conversation_not_found"


async def test_a_dead_remote_provider_answers_every_message_untranslated(tmp_path: Path) -> None:
    async with running_souk(tmp_path / "souk", features=FEATURES,
                            translate={"provider": "libretranslate", "base_url": "http://127.0.0.1:9"}) as souk:
        viewer = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity="ana", room="live-7", role="audience")
        async with httpx.AsyncClient(base_url=souk.base_url) as http:
            await http.post("/v1/rtm/channels/live-7/messages", headers=bearer(viewer), json={"body": "hola"})
            r = await http.post("/v1/rtm/channels/live-7/translations", headers=bearer(viewer),
                                json={"to": "en", "seqs": [1]})
    assert r.status_code == 200
    [t] = r.json()["translations"]
    assert (t["text"], t["translated"]) == ("hola", False) and t["why"] in ("unavailable_pair", "provider_error")


async def test_readers_are_rate_limited(tmp_path: Path) -> None:
    async with running_souk(tmp_path / "souk", features=FEATURES,
                            limits={"translate_identity": {"count": 2, "per_s": 60}}) as souk:
        viewer = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity="ana", room="live-7", role="audience")
        async with httpx.AsyncClient(base_url=souk.base_url) as http:
            await http.post("/v1/rtm/channels/live-7/messages", headers=bearer(viewer), json={"body": "hola"})
            codes = [(await http.post("/v1/rtm/channels/live-7/translations", headers=bearer(viewer),
                                      json={"to": "en", "seqs": [1]})) for _ in range(3)]
    assert [r.status_code for r in codes] == [200, 200, 429]
    assert codes[2].json()["error"]["code"] == "rate_limited"
