"""Captions API in a real app (no media plane): the host's switch and its refusals, a viewer's language, and
a replay's stored captions at their offsets, in the stored translation or translated now (Apertium)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from souk.domain.captions import StoredCaption
from souk.live.recording import write_manifest
from souk.storage.repos.captions import SqlCaptionRepo
from tests.fixtures.browser import CORE_FEATURES, Souk, bearer, running_souk

ROOM = "live-7"
FEATURES = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.live", "souk.api.routes.stage",
            "souk.api.routes.replay", "souk.api.routes.captions")


@pytest.fixture
async def souk_cap(tmp_path: Path) -> AsyncIterator[Souk]:
    async with running_souk(tmp_path / "souk", features=FEATURES) as s:
        yield s


def tokens(souk: Souk) -> tuple[dict[str, str], dict[str, str]]:
    mint = souk.ctx.tokens.mint
    return (bearer(mint(merchant_id=souk.merchant_id, identity="hana", room=ROOM, role="host")),
            bearer(mint(merchant_id=souk.merchant_id, identity="ana", room=ROOM, role="audience")))


async def test_the_hosts_switch_and_a_viewers_language(souk_cap: Souk) -> None:
    souk = souk_cap
    host, viewer = tokens(souk)
    async with httpx.AsyncClient(base_url=souk.base_url) as http:
        r = await http.get(f"/v1/live/{ROOM}/captions", headers=viewer)
        assert r.status_code == 200 and r.json()["enabled"] is False  # off by default
        r = await http.post(f"/v1/live/{ROOM}/captions", headers=viewer, json={"enabled": True})
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_host"
        r = await http.post(f"/v1/live/{ROOM}/captions", headers=host, json={"enabled": True, "lang": "en"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "show_not_live"
        assert souk.ctx.stage is not None
        await souk.ctx.stage.start_show(souk.merchant_id, ROOM, host="hana")
        r = await http.post(f"/v1/live/{ROOM}/captions", headers=host, json={"enabled": True, "lang": "en"})
        assert r.status_code == 503 and r.json()["error"]["code"] == "media_unavailable"  # no media plane here
        r = await http.post(f"/v1/live/{ROOM}/captions", headers=host, json={"enabled": True, "lang": "english"})
        assert r.status_code == 422
        r = await http.post(f"/v1/live/{ROOM}/captions/language", headers=viewer, json={"lang": "es"})
        assert r.status_code == 200 and r.json()["lang"] == "es" and r.json()["ttl_s"] > 0
        r = await http.get(f"/v1/live/{ROOM}/captions", headers=host)
        assert r.json()["languages"] == ["es"]


@pytest.mark.skipif(shutil.which("apertium") is None, reason="needs apertium")
async def test_a_replays_captions_at_their_times_in_the_readers_language(souk_cap: Souk) -> None:
    souk = souk_cap
    _, viewer = tokens(souk)
    write_manifest(souk.ctx.settings.data_path / "recordings" / souk.merchant_id / ROOM / "s1", {
        "id": f"{ROOM}.s1", "room": ROOM, "show_id": "s1", "title": "Lamps", "status": "ready", "reason": None,
        "started_at": 100.0, "ended_at": 160.0, "host": "hana", "participants": []})
    repo = SqlCaptionRepo(souk.ctx.storage.db, souk.ctx.storage.clock)
    await repo.put(souk.merchant_id, StoredCaption("s1", 1, ROOM, "hana", "en", 7_500, 9_000, "This lamp is very cheap.",
                                                   {"es": "Esta lámpara es muy barata."}))
    await repo.put(souk.merchant_id, StoredCaption("s1", 0, ROOM, "hana", "en", 2_000, 3_200, "Welcome to the show."))
    await repo.put(souk.merchant_id, StoredCaption("s2", 0, ROOM, "hana", "en", 0, 900, "another show"))
    async with httpx.AsyncClient(base_url=souk.base_url) as http:
        r = await http.get(f"/v1/replays/{ROOM}.s1/captions", headers=viewer)
        assert r.status_code == 200, r.text
        items = r.json()["captions"]
        assert [(c["at_s"], c["end_s"], c["text"]) for c in items] == [
            (2.0, 3.2, "Welcome to the show."), (7.5, 9.0, "This lamp is very cheap.")]
        r = await http.get(f"/v1/replays/{ROOM}.s1/captions", headers=viewer, params={"lang": "es"})
        es = r.json()["captions"]
        assert es[1]["text"] == "Esta lámpara es muy barata." and es[1]["translated"]  # kept from the show
        assert es[0]["translated"] and "bienvenid" in es[0]["text"].lower(), es[0]  # translated now
        assert es[0]["source_text"] == "Welcome to the show."
        r = await http.get(f"/v1/replays/{ROOM}.s1/captions", headers=viewer, params={"lang": "english"})
        assert r.status_code == 422
        other = bearer(souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity="ana", room="live-1",
                                            role="audience"))
        r = await http.get(f"/v1/replays/{ROOM}.s1/captions", headers=other)
        assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_room"
