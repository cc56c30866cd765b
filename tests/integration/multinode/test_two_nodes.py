"""Two Souk nodes (``souk serve`` subprocesses, each with its embedded Janus) on one PostgreSQL and one Redis.

- a consult call rung through node A rings a seller's console on node B; B's accept reaches the shopper on A;
  the seller's join on B is refused ``room_elsewhere`` naming A, and on A the two aiortc peers connect video
  (the seller decodes the shopper's frames); two nodes accepting one call at once make one winner; any node
  reads any call;
- a show run from node A is watched (its state), chatted in and bought from on node B; a viewer's hand raised
  on B reaches the host on A; a viewer's signaling join on B is sent to A (the browser SDK moves there by
  itself);
- node A is SIGKILLed mid-show: on B the show is still live with its stage, a buy retried with its order id
  answers the first order (nothing sold twice), no unit is lost, the host's join on B takes the room over once
  A's heartbeat has expired, and the host ends the show from B; the call A left ringing is ended by B as
  ``interrupted``.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from souk.bench.bots import PublisherBot, SubscriberBot
from souk.bench.signal_client import SignalClient
from souk.core.settings import Settings
from souk.media.types import Jsep
from souk.storage import open_storage, seed_demo
from tests.integration.multinode.souk_nodes import Node, auth, join_refused, mint, ok

SKU = "AP-1001"
LIVE = "live-demo"

pytestmark = [pytest.mark.skipif(shutil.which("janus") is None, reason="janus is not installed (make setup)"),
              pytest.mark.redis, pytest.mark.postgres, pytest.mark.janus, pytest.mark.browser]


async def _seed(database_url: str, tmp: Path) -> str:
    storage = await open_storage(Settings(data_dir=str(tmp / "seed"), database_url=database_url))
    try:
        seed = await seed_demo(storage)
        key, _ = await storage.api_keys.create(seed.merchant_id, label="multinode-test")
        return key
    finally:
        await storage.aclose()


async def test_two_nodes_share_calls_and_shows_and_survive_one_being_killed(
        tmp_path: Path, postgres_url: str, redis_url: str, netns: None, chromium: Any) -> None:
    key = await _seed(postgres_url, tmp_path)
    a = Node("node-a", tmp_path / "a", database_url=postgres_url, redis_url=redis_url, rtp="20000-29999")
    b: Node | None = None
    try:
        await a.ready()  # one at a time: the first start migrates the database
        b = Node("node-b", tmp_path / "b", database_url=postgres_url, redis_url=redis_url, rtp="30000-39999")
        await b.ready()
        await _call_across_nodes(a, b, key)
        sale, bought, viewer = await _show_across_nodes(a, b, key, chromium)
        ringing = await _ring_on(a, key)
        a.sigkill()
        await _show_goes_on_from_b(b, key, sale, bought, viewer)
        await _dead_nodes_call_ends(b, key, ringing)
    finally:
        a.stop()
        if b is not None:
            b.stop()


async def _call_across_nodes(a: Node, b: Node, key: str) -> None:
    async with a.http() as http_a, b.http() as http_b:
        seller = await mint(http_b, key, identity="seller-1", room="*", role="agent", name="Sam")
        shopper = await mint(http_a, key, identity="shopper-1", room="lobby", role="member", name="Ana")
        console = await SignalClient.connect(b.ws, seller)  # the seller's console is connected to B
        shopper_sig: SignalClient | None = None
        seller_sig: SignalClient | None = None
        pub, sub = PublisherBot(), SubscriberBot()
        try:
            rung = await ok(http_a.post("/v1/consults", json={"product_sku": SKU, "name": "Ana"},
                                        headers=auth(shopper)), 201)
            call_id, room = rung["call"]["call_id"], rung["call"]["room"]
            assert rung["call"]["node"] == "node-a"
            ring = await console.next_event("call", timeout=10, call__call_id=call_id)
            assert ring["call"]["state"] == "ringing" and ring["call"]["shopper_name"] == "Ana"
            listed = await ok(http_b.get("/v1/consults", headers=auth(seller)))
            assert [c["call_id"] for c in listed["active"]] == [call_id]
            # the shopper waits in the call's room on A
            shopper_sig = await SignalClient.connect(a.ws, rung["token"])
            await shopper_sig.request({"type": "join", "room": room})
            offer = await pub.offer()
            await pub.accept(Jsep("answer", (await shopper_sig.request({"type": "publish", "sdp": offer.sdp}))["sdp"]))
            # the seller accepts on B: the shopper on A hears it
            accepted = await ok(http_b.post(f"/v1/consults/{call_id}/accept", headers=auth(seller)))
            assert accepted["call"]["state"] == "accepted" and accepted["call"]["node"] == "node-a"
            heard = await shopper_sig.next_event("call", timeout=10, call__call_id=call_id, call__state="accepted")
            assert heard["call"]["seller"] == "seller-1"
            # the room is A's: the seller's join on B is sent there, and on A the video connects
            refused = await join_refused(b, accepted["token"], room)
            assert refused is not None and refused.code == "room_elsewhere" and a.ws in refused.message
            seller_sig = await SignalClient.connect(a.ws, accepted["token"])
            await seller_sig.request({"type": "join", "room": room})
            sub_offer = await seller_sig.request({"type": "subscribe", "feed": "shopper-1"})
            answer = await sub.answer(Jsep("offer", sub_offer["sdp"]))
            await seller_sig.request({"type": "answer", "sub": sub_offer["sub"], "sdp": answer.sdp})
            await sub.wait_frames(3, timeout=15)
            # any node reads the call from its record
            on_b = await ok(http_b.get(f"/v1/consults/{call_id}", headers=auth(seller)))
            assert on_b["call"]["state"] == "accepted" and on_b["call"]["seller"] == "seller-1"
            # hung up on B: the shopper on A is told, the record says completed
            await ok(http_b.post(f"/v1/consults/{call_id}/hangup", headers=auth(seller)))
            await shopper_sig.next_event("call", timeout=10, call__call_id=call_id, call__state="ended")
            ended = await ok(http_a.get(f"/v1/consults/{call_id}", headers=auth(seller)))
            assert ended["call"]["state"] == "ended"

            # two sellers accept one call at once, one through each node: one winner
            other = await mint(http_a, key, identity="shopper-2", room="lobby", role="member")
            seller2 = await mint(http_a, key, identity="seller-2", room="*", role="agent")
            rung2 = await ok(http_a.post("/v1/consults", json={"product_sku": SKU}, headers=auth(other)), 201)
            cid = rung2["call"]["call_id"]
            await console.next_event("call", timeout=10, call__call_id=cid)
            answers = await asyncio.gather(http_a.post(f"/v1/consults/{cid}/accept", headers=auth(seller2)),
                                           http_b.post(f"/v1/consults/{cid}/accept", headers=auth(seller)))
            assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
            loser = next(r for r in answers if r.status_code == 409)
            assert loser.json()["error"]["code"] in ("call_not_ringing", "call_finished"), loser.text
            winner = next(r for r in answers if r.status_code == 200).json()["call"]["seller"]
            for http in (http_a, http_b):
                got = await ok(http.get(f"/v1/consults/{cid}", headers=auth(seller)))
                assert got["call"]["seller"] == winner and got["call"]["state"] == "accepted"
            winner_token = seller if winner == "seller-1" else seller2
            await ok(http_b.post(f"/v1/consults/{cid}/hangup", headers=auth(winner_token)))
        finally:
            for c in (console, shopper_sig, seller_sig):
                if c is not None:
                    await c.aclose()
            await pub.aclose()
            await sub.aclose()


async def _show_across_nodes(a: Node, b: Node, key: str, chromium: Any) -> tuple[dict, dict, str]:  # type: ignore[type-arg]
    async with a.http() as http_a, b.http() as http_b:
        host = await mint(http_a, key, identity="host-1", room=LIVE, role="host", name="Hana")
        viewer = await mint(http_b, key, identity="viewer-1", room=LIVE, role="audience", name="Vic")
        show = await ok(http_a.post(f"/v1/live/{LIVE}/show", json={"title": "two nodes"}, headers=auth(host)))
        assert show["status"] == "live"
        host_sig = await SignalClient.connect(a.ws, host)
        try:
            await host_sig.request({"type": "join", "room": LIVE})  # the room is A's from its first join
            # watched on B: the show's state; the viewer's media join is sent to A
            seen = await ok(http_b.get(f"/v1/live/{LIVE}/show", headers=auth(viewer)))
            assert seen["status"] == "live" and seen["host"] == "host-1" and seen["title"] == "two nodes"
            refused = await join_refused(b, viewer, LIVE)
            assert refused is not None and refused.code == "room_elsewhere" and a.ws in refused.message
            assert refused.details["signal_url"] == a.ws and refused.details["node"] == "node-a"
            assert await join_refused(a, viewer, LIVE) is None
            # the browser SDK follows the refusal by itself: a viewer's page on B joins the room on A
            page = await chromium.new_page()
            try:
                await page.goto(f"{b.base}/")
                moved_to = await page.evaluate("""async ([token, room]) => {
                    const { connect } = await import("/static/sdk/souk.js");
                    const client = await connect({ token });
                    const joined = await client.join(room, { autoSubscribe: false });
                    const url = client.url;
                    await joined.leave();
                    client.close();
                    return url;
                }""", [viewer, LIVE])
            finally:
                await page.close()
            assert moved_to.startswith(a.ws + "?"), moved_to
            # chatted in on B, read on A
            await ok(http_b.post(f"/v1/rtm/channels/{LIVE}/messages", json={"body": "hello from B"},
                                 headers=auth(viewer)))
            history = await ok(http_a.get(f"/v1/rtm/channels/{LIVE}/messages", headers=auth(host)))
            assert "hello from B" in str(history), history
            # a hand raised on B reaches the host on A
            await ok(http_b.post(f"/v1/live/{LIVE}/stage/hand", json={"note": "sizes?"}, headers=auth(viewer)))
            host_view = await ok(http_a.get(f"/v1/live/{LIVE}/show", headers=auth(host)))
            assert [h["identity"] for h in host_view["hands"]] == ["viewer-1"]
            # bought on B from a sale the host runs on A
            await ok(http_a.post(f"/v1/live/{LIVE}/pins", json={"sku": SKU}, headers=auth(host)))
            sale = await ok(http_a.post(f"/v1/live/{LIVE}/sales", headers=auth(host), json={
                "sku": SKU, "units": 3, "price": "9.90", "duration_s": 600}))
            bought = await ok(http_b.post(f"/v1/live/{LIVE}/sales/{sale['sale_id']}/buy",
                                          json={"country": "SG", "order_id": "ord-two-nodes-1"},
                                          headers=auth(viewer)))
            state = await ok(http_a.get(f"/v1/live/{LIVE}/sales/{sale['sale_id']}", headers=auth(host)))
            assert state["remaining"] == 2, state
        finally:
            await host_sig.aclose()
        return sale, bought, viewer


async def _show_goes_on_from_b(b: Node, key: str, sale: dict, bought: dict, viewer: str) -> None:  # type: ignore[type-arg]
    async with b.http() as http:
        host = await mint(http, key, identity="host-1", room=LIVE, role="host", name="Hana")
        # the stage outlived node A
        show = await ok(http.get(f"/v1/live/{LIVE}/show", headers=auth(host)))
        assert show["status"] == "live" and show["title"] == "two nodes", show
        assert [h["identity"] for h in show["hands"]] == ["viewer-1"]
        # nothing sold twice, nothing lost: the retried buy answers the first order, the next buy takes a unit
        buy_url = f"/v1/live/{LIVE}/sales/{sale['sale_id']}/buy"
        retried = await ok(http.post(buy_url, json={"country": "SG", "order_id": "ord-two-nodes-1"},
                                     headers=auth(viewer)))
        assert retried == bought
        other = await mint(http, key, identity="viewer-2", room=LIVE, role="audience")
        second = await ok(http.post(buy_url, json={"country": "SG"}, headers=auth(other)))
        assert second["order_id"] != bought["order_id"]
        state = await ok(http.get(f"/v1/live/{LIVE}/sales/{sale['sale_id']}", headers=auth(host)))
        assert state["remaining"] == 1, state
        # the host reconnects to B: refused (sent to A) until A's heartbeat expires, then B takes the room
        deadline = time.monotonic() + 20
        while True:
            refused = await join_refused(b, host, LIVE)
            if refused is None:
                break
            assert refused.code == "room_elsewhere", refused
            assert time.monotonic() < deadline, "B never took the room over from the dead node A"
            await asyncio.sleep(0.5)
        host_sig = await SignalClient.connect(b.ws, host)
        try:
            await host_sig.request({"type": "join", "room": LIVE})
            ended = await ok(http.post(f"/v1/live/{LIVE}/show/end", headers=auth(host)))
            assert ended["status"] == "ended"
        finally:
            await host_sig.aclose()


async def _ring_on(a: Node, key: str) -> str:
    async with a.http() as http:
        shopper = await mint(http, key, identity="shopper-9", room="lobby", role="member")
        rung = await ok(http.post("/v1/consults", json={"product_sku": SKU}, headers=auth(shopper)), 201)
        return str(rung["call"]["call_id"])


async def _dead_nodes_call_ends(b: Node, key: str, call_id: str) -> None:
    async with b.http() as http:
        seller = await mint(http, key, identity="seller-1", room="*", role="agent")
        deadline = time.monotonic() + 20
        while True:
            call = (await ok(http.get(f"/v1/consults/{call_id}", headers=auth(seller))))["call"]
            if call["state"] == "interrupted":
                break
            assert call["state"] == "ringing", call
            assert time.monotonic() < deadline, "B never ended the dead node's call"
            await asyncio.sleep(0.5)
        listing = await ok(http.get("/v1/consults", headers=auth(seller)))
        assert call_id not in [c["call_id"] for c in listing["active"]]
