"""The desk over real HTTP and sockets: a shopper's assistant conversation handed to a person and back, with
the packet, live replies, notes kept from the shopper, close and CSAT, other shoppers and merchants refused,
a staff member who disconnects, and a restart over the same SQLite file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from souk.assistant.offline import OfflineBrain
from tests.fixtures.assistant import brain, snap
from tests.integration.api.desk_app import B, Socket, desk_souk, online_agent, put_agent

__all__ = ["brain", "snap"]

pytestmark = pytest.mark.timeout(120)

SHOPPER = "C-518"  # a demo customer (orders 1036 ...)


async def _ask_human(shopper: Socket) -> dict:
    """Two questions to the AI, then a person asked for in words; the reply that hands off."""
    await shopper.send(type="message", text="¿Dónde está mi pedido 1036?")
    first = await shopper.wait_type("reply", timeout=30)
    assert first["language"] == "es" and first["handoff"] is None
    n = len(shopper.frames)
    await shopper.send(type="message", text="¿Cuánto cuesta el envío a España?")
    await shopper.wait_type("reply", timeout=30, after=n)
    n = len(shopper.frames)
    await shopper.send(type="message", text="Quiero hablar con una persona, por favor")
    return await shopper.wait_type("reply", timeout=30, after=n)


async def test_handoff_reply_note_close_csat_and_nobody_else_sees_it(tmp_path: Path, brain: OfflineBrain) -> None:
    async with desk_souk(tmp_path / "souk", brain) as souk:
        ana = await online_agent(souk, "ana", name="Ana")
        shopper = await souk.ws("/v1/agent/ws", souk.token(SHOPPER), language="es")
        sid = (await shopper.wait_type("ready"))["session_id"]
        mark = len(ana.frames)
        handoff = await _ask_human(shopper)
        # the shopper is told the truth: Ana has it now
        assert handoff["handoff"] == "human" and handoff["desk"]["status"] == "assigned"
        assert handoff["desk"]["notice"]["kind"] == "assigned" and "Ana" in handoff["text"]
        assigned = await ana.wait_type("assigned", timeout=2, after=mark)
        assert assigned["conversation"]["id"] == sid and assigned["conversation"]["language"] == "es"
        packet = assigned["packet"]
        assert packet["reason"] == "explicit_request" and packet["language"] == "es"
        assert packet["customer"]["customer_id"] == SHOPPER and packet["orders"]
        assert any("1036" in line["text"] for line in packet["transcript"])
        status = await shopper.wait_for(lambda f: f.get("type") == "desk_status" and f["status"] == "assigned")
        assert status["notice"]["agent_name"] == "Ana"

        staff = souk.staff("ana")
        async with souk.http(staff) as c:
            r = await c.post(f"/v1/desk/conversations/{sid}/messages", json={"text": "Hola, soy Ana. Lo miro."})
            assert r.status_code == 200, r.text
            said = await shopper.wait_for(lambda f: f.get("type") == "desk"
                                          and f["event"]["kind"] == "agent_message")
            assert said["event"]["text"] == "Hola, soy Ana. Lo miro." and said["event"]["agent_name"] == "Ana"
            r = await c.post(f"/v1/desk/conversations/{sid}/notes", json={"text": "internal: check the carrier"})
            assert r.status_code == 200, r.text
        # while a person has it, the shopper's messages go to them and the AI stays quiet
        mark, smark = len(ana.frames), len(shopper.frames)
        await shopper.send(type="message", text="Gracias, espero")
        sent = await shopper.wait_type("sent", after=smark)
        heard = await ana.wait_for(lambda f: f.get("type") == "event" and f["event"]["kind"] == "shopper_message",
                                   after=mark)
        assert heard["event"]["seq"] == sent["seq"] and heard["event"]["text"] == "Gracias, espero"
        assert not [f for f in shopper.frames[smark:] if f["type"] == "reply"]

        async with souk.http(staff) as c:
            r = await c.post(f"/v1/desk/conversations/{sid}/close", json={"resolution": "resolved"})
            assert r.status_code == 200 and r.json()["conversation"]["status"] == "closed"
        await shopper.wait_type("csat_request")
        await shopper.send(type="csat", score=5, comment="¡Muy bien!")
        await shopper.wait_type("csat_saved")
        # notes never reached the shopper, live or when catching up
        assert not [f for f in shopper.frames if f["type"] == "desk" and f["event"]["kind"] == "internal_note"]
        assert "internal: check" not in str(shopper.frames)
        async with souk.http(souk.token(SHOPPER)) as c:
            caught = (await c.get(f"/v1/agent/sessions/{sid}/events", params={"after": 0})).json()
        assert caught["status"] == "closed" and caught["csat"] == 5
        kinds = [e["kind"] for e in caught["events"]]
        assert "internal_note" not in kinds and "agent_message" in kinds and "closed" in kinds
        assert "check the carrier" not in str(caught)

        async with souk.http(staff) as c:
            body = (await c.get(f"/v1/desk/conversations/{sid}")).json()
            assert body["conversation"]["csat"] == 5 and body["packet"]["language"] == "es"
            kinds = [e["kind"] for e in body["events"]]
            assert kinds[:2] == ["shopper_message", "ai_message"] and "internal_note" in kinds
            assert kinds[-2:] == ["closed", "csat"] and kinds.count("handoff") == 1
            metrics = (await c.get("/v1/desk/metrics", params={"days": 1})).json()
            assert metrics["handoffs"] == 1 and metrics["csat"]["average"] == 5
            assert metrics["handoff_reasons"] == {"explicit_request": 1}

        # another shopper of the same merchant, and merchant B's staff: not found
        async with souk.http(souk.token("C-510")) as c:
            for r in (await c.get(f"/v1/agent/sessions/{sid}/events"),
                      await c.post(f"/v1/agent/sessions/{sid}/csat", json={"score": 1}),
                      await c.post(f"/v1/agent/sessions/{sid}/email", json={"email": "x@example.com"})):
                assert r.status_code == 404, r.text
        async with souk.http(souk.staff("eve", merchant=B)) as c:
            r = await c.get(f"/v1/desk/conversations/{sid}")
            assert r.status_code == 404 and r.json()["error"]["code"] == "conversation_not_found"
            assert (await c.get("/v1/desk/conversations")).json() == {"conversations": []}
            r = await c.post(f"/v1/desk/conversations/{sid}/notes", json={"text": "hi"})
            assert r.status_code == 404
        # a shopper token is no staff token
        async with souk.http(souk.token(SHOPPER)) as c:
            assert (await c.get("/v1/desk/conversations")).json()["error"]["code"] == "staff_only"
        await shopper.aclose()
        await ana.aclose()


async def test_nobody_online_the_ai_keeps_answering_then_an_agent_gets_it(tmp_path: Path,
                                                                          brain: OfflineBrain) -> None:
    async with desk_souk(tmp_path / "souk", brain) as souk:
        await put_agent(souk, "ana", name="Ana")
        shopper = await souk.ws("/v1/agent/ws", souk.token(SHOPPER), language="es")
        sid = (await shopper.wait_type("ready"))["session_id"]
        handoff = await _ask_human(shopper)
        assert handoff["desk"]["status"] == "queued" and handoff["desk"]["notice"]["kind"] == "nobody_online"
        assert handoff["desk"]["notice"]["email_offer"] is True
        # while it waits, the AI keeps answering and the timeline shows it
        n = len(shopper.frames)
        await shopper.send(type="message", text="¿Dónde está mi pedido 1036?")
        answer = await shopper.wait_type("reply", timeout=30, after=n)
        assert answer["desk"]["status"] == "queued" and answer["handoff"] is None
        await shopper.send(type="email", email="c518@example.com")
        await shopper.wait_type("email_saved")
        ana = await souk.ws("/v1/desk/ws", souk.staff("ana"))
        hello = await ana.wait_type("hello")
        assert hello["presence"] == "offline"
        queues = await ana.wait_type("queues")
        assert queues["queues"][0]["queue"] == "es" and queues["queues"][0]["waiting"] == 1
        await ana.send(type="presence", presence="online")
        got = await ana.wait_type("assigned")
        assert got["conversation"]["id"] == sid
        await shopper.wait_for(lambda f: f.get("type") == "desk_status" and f["status"] == "assigned")
        async with souk.http(souk.staff("ana")) as c:
            body = (await c.get(f"/v1/desk/conversations/{sid}")).json()
        kinds = [e["kind"] for e in body["events"]]
        assert kinds.count("ai_message") == 4 and "assigned" in kinds
        assert any(e["kind"] == "internal_note" and "c518@example.com" in e["text"] for e in body["events"])
        await shopper.aclose()
        await ana.aclose()


async def test_escalation_floods_change_nothing_and_hit_the_message_limit(tmp_path: Path,
                                                                          brain: OfflineBrain) -> None:
    limits = {"assistant_message_identity": {"count": 8, "per_s": 60}}
    async with desk_souk(tmp_path / "souk", brain, limits=limits) as souk:
        await put_agent(souk, "ana")
        shopper = await souk.ws("/v1/agent/ws", souk.token(SHOPPER), language="es")
        sid = (await shopper.wait_type("ready"))["session_id"]
        for _ in range(20):
            await shopper.send(type="human")
        deadline = asyncio.get_running_loop().time() + 10
        while len([f for f in shopper.frames if f["type"] in ("desk_status", "error")]) < 20:
            assert asyncio.get_running_loop().time() < deadline, shopper.frames
            await asyncio.sleep(0.02)
        answers = [f for f in shopper.frames if f["type"] == "desk_status" and "text" in f]
        refused = [f for f in shopper.frames if f["type"] == "error"]
        assert len(answers) == 8 and {a["notice"]["kind"] for a in answers} == {"nobody_online"}
        assert len(refused) == 12 and {e["code"] for e in refused} == {"rate_limited"}
        async with souk.http(souk.staff("ana")) as c:
            body = (await c.get(f"/v1/desk/conversations/{sid}")).json()
            assert [e["kind"] for e in body["events"]] == ["handoff"]
            assert (await c.get("/v1/desk/queues")).json()["queues"] == [
                {"queue": "es", "waiting": 1, "oldest_wait_s": pytest.approx(0, abs=5)}]
        # the same over REST: idempotent while it waits, then refused by the limit
        async with souk.http(souk.token(SHOPPER)) as c:
            r = await c.post(f"/v1/agent/sessions/{sid}/human", json={})
            assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
        await shopper.aclose()


async def test_an_agent_who_disconnects_gets_their_conversation_requeued_after_the_grace(
        tmp_path: Path, brain: OfflineBrain) -> None:
    async with desk_souk(tmp_path / "souk", brain, desk={"agent_grace_s": 0.5}) as souk:
        ana = await online_agent(souk, "ana")
        shopper = await souk.ws("/v1/agent/ws", souk.token(SHOPPER), language="es")
        sid = (await shopper.wait_type("ready"))["session_id"]
        await shopper.send(type="human")
        answer = await shopper.wait_type("desk_status")
        assert answer["status"] == "assigned"
        await ana.aclose()  # the desk page's socket drops
        n = len(shopper.frames)
        queued = await shopper.wait_for(lambda f: f.get("type") == "desk_status" and f["status"] == "queued",
                                        timeout=5, after=n)
        assert queued["notice"]["kind"] == "nobody_online"
        bob = await online_agent(souk, "bob")
        got = await bob.wait_type("assigned")
        assert got["conversation"]["id"] == sid
        async with souk.http(souk.staff("bob")) as c:
            body = (await c.get(f"/v1/desk/conversations/{sid}")).json()
        moved = [e for e in body["events"] if e["kind"] == "transferred"]
        assert moved and moved[0]["to_queue"] == "es" and moved[0]["reason"] == "agent_offline"
        assert body["conversation"]["agent_id"] == "bob"
        await shopper.aclose()
        await bob.aclose()


async def test_a_restart_keeps_conversations_and_messages(tmp_path: Path, brain: OfflineBrain) -> None:
    async with desk_souk(tmp_path / "souk", brain) as souk:
        if getattr(souk.ctx.storage, "desk", None) is None:
            pytest.skip("storage has no desk tables yet (storage.desk)")
        keys = souk.keys
        await put_agent(souk, "ana")
        shopper = await souk.ws("/v1/agent/ws", souk.token(SHOPPER), language="es")
        sid = (await shopper.wait_type("ready"))["session_id"]
        await _ask_human(shopper)
        async with souk.http(souk.staff("ana")) as c:
            before = (await c.get(f"/v1/desk/conversations/{sid}")).json()
        assert before["conversation"]["status"] == "queued"
        await shopper.aclose()
    async with desk_souk(tmp_path / "souk", brain, keys=keys) as again:
        async with again.http(again.staff("ana")) as c:
            after = (await c.get(f"/v1/desk/conversations/{sid}")).json()
            assert after["events"] == before["events"] and after["packet"] == before["packet"]
            assert after["conversation"]["status"] == "queued"
            waiting = (await c.get("/v1/desk/queues")).json()["queues"]
            assert waiting and waiting[0]["waiting"] == 1
        ana = await online_agent(again, "ana")
        assert (await ana.wait_type("assigned"))["conversation"]["id"] == sid
        await ana.aclose()


async def test_leaving_ends_the_desk_side_and_a_dropped_socket_resumes(tmp_path: Path, brain: OfflineBrain) -> None:
    async with desk_souk(tmp_path / "souk", brain) as souk:
        await put_agent(souk, "ana")
        staff = souk.staff("ana")
        async with souk.http(souk.token(SHOPPER)) as c:  # REST: an AI-only conversation, then DELETE
            sid = (await c.post("/v1/agent/sessions", json={"language": "en"})).json()["session_id"]
            assert (await c.get(f"/v1/agent/sessions/{sid}/events")).json() == {
                "status": "ai", "csat": None, "events": []}
            r = await c.post(f"/v1/agent/sessions/{sid}/messages", json={"text": "Where is my order 1036?"})
            assert r.status_code == 200 and "1Z5760225209" in r.json()["text"]
            assert (await c.delete(f"/v1/agent/sessions/{sid}")).status_code == 200
        async with souk.http(staff) as c:
            conv = (await c.get(f"/v1/desk/conversations/{sid}")).json()["conversation"]
        assert conv["status"] == "closed" and conv["resolution"] == "resolved"  # contained by the AI
        # waiting for a person, the socket drops: the session is kept, a new socket resumes it
        shopper = await souk.ws("/v1/agent/ws", souk.token(SHOPPER), language="es")
        sid = (await shopper.wait_type("ready"))["session_id"]
        await shopper.send(type="human")
        await shopper.wait_for(lambda f: f.get("type") == "desk_status" and "text" in f)
        await shopper.aclose()
        again = await souk.ws("/v1/agent/ws", souk.token(SHOPPER), session=sid)
        assert (await again.wait_type("ready"))["resumed"] is True
        status = await again.wait_type("desk_status")
        assert status["status"] == "queued" and status["notice"]["kind"] == "nobody_online"
        await again.send(type="bye")  # leaving for good: the waiting conversation is abandoned
        assert await again.wait_closed() == 1000
        async with souk.http(staff) as c:
            for _ in range(50):
                conv = (await c.get(f"/v1/desk/conversations/{sid}")).json()["conversation"]
                if conv["status"] == "closed":
                    break
                await asyncio.sleep(0.05)
        assert conv["status"] == "closed" and conv["resolution"] == "abandoned"
        async with souk.http(souk.token(SHOPPER)) as c:  # the session is gone; its timeline stays readable
            assert (await c.post(f"/v1/agent/sessions/{sid}/human", json={})).status_code == 404
            assert (await c.get(f"/v1/agent/sessions/{sid}/events")).json()["status"] == "closed"


async def test_the_merchant_s_rules_hand_off_where_the_brain_did_not(tmp_path: Path, brain: OfflineBrain) -> None:
    async with desk_souk(tmp_path / "souk", brain) as souk:
        await put_agent(souk, "ana", languages=("en",))
        async with souk.http(souk.keys["lumen"]) as c:  # every order worth 1 or more goes to a person
            r = await c.put("/v1/desk/settings", json={"handoff": {"order_value_threshold": 1}})
            assert r.status_code == 200 and r.json()["handoff"]["order_value_threshold"] == "1", r.text
        async with souk.http(souk.token(SHOPPER)) as c:
            sid = (await c.post("/v1/agent/sessions", json={"language": "en"})).json()["session_id"]
            body = (await c.post(f"/v1/agent/sessions/{sid}/messages",
                                 json={"text": "Where is my order 1036?"})).json()
        assert "1Z5760225209" in body["text"]  # the AI answered, and the shopper is told the truth after it
        assert body["handoff"] == "human" and body["handoff_reason"] == "high_value_order"
        assert body["desk"]["status"] == "queued" and body["desk"]["notice"]["kind"] == "nobody_online"
        async with souk.http(souk.staff("ana")) as c:
            got = (await c.get(f"/v1/desk/conversations/{sid}")).json()
        assert [e["kind"] for e in got["events"]] == ["shopper_message", "ai_message", "handoff"]
        assert got["packet"]["reason"] == "high_value_order" and "1036" in got["packet"]["orders_mentioned"]
