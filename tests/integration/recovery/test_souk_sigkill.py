"""Fault test: ``souk serve`` killed with SIGKILL with a call ringing, a call up and a flash sale running, then
started again on the same data directory.

After the restart: both calls are ended with the outcome ``interrupted`` (ended_at set), their rooms are
closed and the old room tokens are refused at the signaling join (``room_closed``); the live room resumed:
its pins and the running sale are as they were (a new buy works, no ``not_pinned``), a buy retried with
the same order id answers with the first order, and the host goes live again with the old token.

Runs the real server (embedded Janus, started with ``setpriv --pdeathsig KILL``, so it dies with Souk).
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import httpx
import pytest

from souk.bench.signal_client import SignalClient, SignalError
from souk.core.settings import Settings
from souk.storage import open_storage, seed_demo
from tests.fixtures.souk_process import SoukProcess, auth, free_port, mint, ok

SKU = "AP-1001"
LIVE = "live-demo"

pytestmark = pytest.mark.skipif(shutil.which("janus") is None, reason="janus is not installed (make setup)")


async def _seed(settings: Settings) -> tuple[str, str]:
    storage = await open_storage(settings)
    try:
        seed = await seed_demo(storage)
        key, _ = await storage.api_keys.create(seed.merchant_id, label="sigkill-test")
        return seed.merchant_id, key
    finally:
        await storage.aclose()


async def _join_error(base: str, token: str, room: str) -> str | None:
    """The error code of a signaling join with ``token`` (None if it joined)."""
    client = await SignalClient.connect(base.replace("http://", "ws://") + "/v1/signal", token)
    try:
        await client.request({"type": "join", "room": room, "name": "old token"})
    except SignalError as exc:
        return exc.code
    finally:
        await client.aclose()
    return None


async def test_souk_sigkilled_mid_call_and_mid_sale_is_reconciled_on_restart(tmp_path: Path) -> None:
    data = tmp_path / "var"
    _, key = await _seed(Settings(data_dir=str(data)))
    port = free_port()
    first = SoukProcess(data, tmp_path / "souk-1.log", port=port)
    try:
        await first.ready()
        async with httpx.AsyncClient(base_url=first.base, timeout=15) as http:
            seller = await mint(http, key, identity="seller-1", room="*", role="agent", name="Sam")
            host = await mint(http, key, identity="host-1", room=LIVE, role="host")
            viewer = await mint(http, key, identity="viewer-1", room=LIVE, role="audience")
            # a call left ringing, and a call answered (up)
            shoppers = [await mint(http, key, identity=f"shopper-{i}", room="lobby", role="member") for i in (1, 2)]
            ringing = await ok(http.post("/v1/consults", json={"product_sku": SKU}, headers=auth(shoppers[0])), 201)
            up = await ok(http.post("/v1/consults", json={"product_sku": SKU}, headers=auth(shoppers[1])), 201)
            accepted = await ok(http.post(f"/v1/consults/{up['call']['call_id']}/accept", headers=auth(seller)))
            assert accepted["call"]["state"] == "accepted"
            assert await _join_error(first.base, ringing["token"], ringing["call"]["room"]) is None
            # a show on air with a pinned product and a running flash sale, one unit bought
            show = await ok(http.post(f"/v1/live/{LIVE}/show", json={"title": "before"}, headers=auth(host)))
            assert show["status"] == "live", show
            await ok(http.post(f"/v1/live/{LIVE}/pins", json={"sku": SKU}, headers=auth(host)))
            sale = await ok(http.post(f"/v1/live/{LIVE}/sales", headers=auth(host), json={
                "sku": SKU, "units": 3, "price": "9.90", "duration_s": 600}))
            buy_url = f"/v1/live/{LIVE}/sales/{sale['sale_id']}/buy"
            bought = await ok(http.post(buy_url, json={"country": "SG", "order_id": "ord-retry-1"},
                                         headers=auth(viewer)))
        janus = first.janus_pid()
        first.sigkill()
        deadline = time.monotonic() + 10  # the embedded Janus dies with its Souk (pdeathsig)
        while janus is not None and Path(f"/proc/{janus}").exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert janus is None or not Path(f"/proc/{janus}").exists(), f"janus {janus} outlived souk"

        second = SoukProcess(data, tmp_path / "souk-2.log", port=port)
        try:
            await second.ready()
            async with httpx.AsyncClient(base_url=second.base, timeout=15) as http:
                listing = await ok(http.get("/v1/consults?limit=50", headers=auth(seller)))
                assert listing["active"] == []
                records = {r["id"]: r for r in listing["recent"]}
                for call in (ringing, up):
                    record = records[call["call"]["call_id"]]
                    assert record["outcome"] == "interrupted" and record["ended_at"] is not None, record
                assert records[up["call"]["call_id"]]["answered_at"] is not None
                # the calls' rooms are closed: the old room tokens no longer join
                assert await _join_error(second.base, ringing["token"], ringing["call"]["room"]) == "room_closed"
                assert await _join_error(second.base, accepted["token"], up["call"]["room"]) == "room_closed"

                # the live room resumed: pins and the sale as they were
                pins = await ok(http.get(f"/v1/live/{LIVE}/pins", headers=auth(viewer)))
                assert [p["sku"] for p in pins["pinned"]] == [SKU], pins
                state = await ok(http.get(f"/v1/live/{LIVE}/sales/{sale['sale_id']}", headers=auth(viewer)))
                assert state["active"] and state["remaining"] == 2, state
                retried = await ok(http.post(buy_url, json={"country": "SG", "order_id": "ord-retry-1"},
                                              headers=auth(viewer)))
                assert retried == bought  # the first order, not a second one
                other = await mint(http, key, identity="viewer-2", room=LIVE, role="audience")
                second_buy = await ok(http.post(buy_url, json={"country": "SG"}, headers=auth(other)))
                assert second_buy["order_id"] != bought["order_id"]
                state = await ok(http.get(f"/v1/live/{LIVE}/sales/{sale['sale_id']}", headers=auth(viewer)))
                assert state["remaining"] == 1, state
                # the host goes live again with the token from before the crash; the room still joins
                again = await ok(http.post(f"/v1/live/{LIVE}/show", json={"title": "after"}, headers=auth(host)))
                assert again["status"] == "live" and again["title"] == "after", again
                assert await _join_error(second.base, viewer, LIVE) is None
        finally:
            second.stop()
    finally:
        first.stop()
