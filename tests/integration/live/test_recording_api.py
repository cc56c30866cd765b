"""Recordings API in a real app (no media plane): host-only list, replay JSON, media with Range, tenancy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from souk.live.recording import write_manifest
from tests.fixtures.browser import CORE_FEATURES, Souk, bearer, running_souk

ROOM = "live-7"
FEATURES = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.live", "souk.api.routes.stage",
            "souk.api.routes.replay")


@pytest.fixture
async def souk_rec(tmp_path: Path) -> AsyncIterator[Souk]:
    async with running_souk(tmp_path / "souk", features=FEATURES) as s:
        yield s


async def test_list_replay_and_ranged_media(souk_rec: Souk) -> None:
    souk = souk_rec
    folder = souk.ctx.settings.data_path / "recordings" / souk.merchant_id / ROOM / "s1"
    write_manifest(folder, {"id": f"{ROOM}.s1", "room": ROOM, "title": "Lamps", "status": "ready", "reason": None,
                            "started_at": 100.0, "ended_at": 103.0, "host": "hana",
                            "participants": [{"identity": "hana", "file": "hana-1.webm", "duration_s": 3.0,
                                              "main": True}]})
    (folder / "hana-1.webm").write_bytes(bytes(range(256)) * 4)
    mint = souk.ctx.tokens.mint
    host = bearer(mint(merchant_id=souk.merchant_id, identity="hana", room=ROOM, role="host"))
    viewer = bearer(mint(merchant_id=souk.merchant_id, identity="ana", room=ROOM, role="audience"))
    other = bearer(mint(merchant_id=souk.merchant_id, identity="ana", room="live-1", role="audience"))
    async with httpx.AsyncClient(base_url=souk.base_url) as http:
        r = await http.get(f"/v1/live/{ROOM}/recordings", headers=host)
        assert r.status_code == 200, r.text
        [rec] = r.json()["recordings"]
        assert rec["id"] == f"{ROOM}.s1" and rec["status"] == "ready" and rec["duration_s"] == 3.0
        r = await http.get(f"/v1/live/{ROOM}/recordings", headers=viewer)
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_host"
        r = await http.get(f"/v1/replays/{ROOM}.s1", headers=viewer)
        assert r.status_code == 200 and r.json()["video_url"] == f"/v1/replays/{ROOM}.s1/media/hana-1.webm"
        r = await http.get(f"/v1/replays/{ROOM}.s1", headers=other)
        assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_room"
        r = await http.get(f"/v1/replays/{ROOM}.s1/media/hana-1.webm", headers={**viewer, "Range": "bytes=10-19"})
        assert r.status_code == 206 and r.content == bytes(range(10, 20))
        for name in ("manifest.json", "..%2Fx"):
            r = await http.get(f"/v1/replays/{ROOM}.s1/media/{name}", headers=viewer)
            assert r.status_code == 404, name
        r = await http.get("/v1/replays/..%2F..%2Fx.s1", headers=viewer)
        assert r.status_code == 404


async def test_replay_page_and_chapter_only_cart(souk_rec: Souk) -> None:
    souk = souk_rec
    folder = souk.ctx.settings.data_path / "recordings" / souk.merchant_id / ROOM / "s2"
    write_manifest(folder, {"id": f"{ROOM}.s2", "room": ROOM, "title": "T", "status": "ready", "reason": None,
                            "started_at": 100.0, "ended_at": 103.0, "participants": []})
    viewer = bearer(souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity="ana", room=ROOM, role="audience"))
    async with httpx.AsyncClient(base_url=souk.base_url) as http:
        r = await http.get(f"/replay/{ROOM}.s2")
        assert r.status_code == 200 and f'data-recording="{ROOM}.s2"' in r.text and "replay.js" in r.text
        r = await http.post(f"/v1/replays/{ROOM}.s2/cart", json={"sku": "NOPE-1", "qty": 1}, headers=viewer)
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_a_chapter", r.text


async def test_a_chapter_goes_into_the_viewers_cart(souk_rec: Souk) -> None:
    """A product pinned during the show is a chapter of its replay, and "add to cart" on it lands in the
    viewer's cart of the room (checked out like any live cart)."""
    import time

    souk = souk_rec
    mint = souk.ctx.tokens.mint
    host = bearer(mint(merchant_id=souk.merchant_id, identity="hana", room=ROOM, role="host"))
    viewer = bearer(mint(merchant_id=souk.merchant_id, identity="ana", room=ROOM, role="audience"))
    start = time.time() - 1
    folder = souk.ctx.settings.data_path / "recordings" / souk.merchant_id / ROOM / "s3"
    async with httpx.AsyncClient(base_url=souk.base_url) as http:
        r = await http.post(f"/v1/live/{ROOM}/pins", json={"sku": "AP-1001"}, headers=host)
        assert r.status_code == 200, r.text
        r = await http.delete(f"/v1/live/{ROOM}/pins/AP-1001", headers=host)  # the show moved on
        assert r.status_code == 200, r.text
        write_manifest(folder, {"id": f"{ROOM}.s3", "room": ROOM, "title": "T", "status": "ready", "reason": None,
                                "started_at": start, "ended_at": time.time() + 1, "participants": []})
        r = await http.get(f"/v1/replays/{ROOM}.s3", headers=viewer)
        assert [c["sku"] for c in r.json()["chapters"]] == ["AP-1001"], r.text
        r = await http.post(f"/v1/replays/{ROOM}.s3/cart", json={"sku": "AP-1001", "qty": 2}, headers=viewer)
        assert r.status_code == 200, r.text
        r = await http.get(f"/v1/live/{ROOM}/cart", headers=viewer)
        assert [(x["sku"], x["qty"]) for x in r.json()["lines"]] == [("AP-1001", 2)], r.text
