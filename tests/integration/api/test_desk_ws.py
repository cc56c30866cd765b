"""The desk's sockets over real HTTP: the staff socket's auth and frames, and a video escalation from the desk
to the shopper's widget and back (offer -> the shopper's consult call for the conversation -> the desk is rung,
accepts with the existing accept route -> the call lands on the conversation's timeline)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import websockets

from souk.assistant.offline import OfflineBrain
from tests.fixtures.assistant import brain, snap
from tests.fixtures.wsframes import frames_until, frames_until_closed
from tests.integration.api.desk_app import desk_souk, online_agent, put_agent

__all__ = ["brain", "snap"]

pytestmark = pytest.mark.timeout(120)


async def test_staff_socket_auth_and_frames(tmp_path: Path, brain: OfflineBrain) -> None:
    async with desk_souk(tmp_path / "souk", brain) as souk:
        url = f"{souk.ws_base}/v1/desk/ws"
        async with websockets.connect(url) as ws:  # no token within the first message
            await ws.send(json.dumps({"type": "presence", "presence": "online"}))
            frames, code = await frames_until_closed(ws)
        assert frames[0]["code"] == "token_missing" and code == 4401
        async with websockets.connect(f"{url}?token={souk.token('C-518')}") as ws:  # a shopper's token
            frames, code = await frames_until_closed(ws)
        assert frames[0]["code"] == "staff_only" and code == 4403
        await put_agent(souk, "ana", name="Ana")
        async with websockets.connect(url) as ws:  # auth by first message
            await ws.send(json.dumps({"type": "auth", "token": souk.staff("ana")}))
            frames = await frames_until(ws, "queues")
            hello = frames[0]
            assert hello["type"] == "hello" and hello["agent"]["name"] == "Ana" and hello["presence"] == "offline"
            await ws.send(json.dumps({"type": "ping"}))
            assert (await frames_until(ws, "pong"))[-1] == {"type": "pong"}
            for bad, code in (("nope", "bad_json"), (json.dumps({"type": "claim"}), "bad_message"),
                              (json.dumps({"type": "presence", "presence": "busy"}), "bad_presence"),
                              ("x" * 5000, "message_too_large")):
                await ws.send(bad)
                got = (await frames_until(ws, "error"))[-1]
                assert got["code"] == code, got
            await ws.send(json.dumps({"type": "presence", "presence": "away"}))
            assert (await frames_until(ws, "presence"))[-1]["presence"] == "away"
            async with souk.http(souk.staff("ana")) as c:  # REST presence tells the socket too
                r = await c.put("/v1/desk/presence", json={"presence": "online"})
                assert r.status_code == 200
                assert (await frames_until(ws, "presence"))[-1]["presence"] == "online"
                queues = (await c.get("/v1/desk/queues")).json()
                assert queues["agents"][0]["id"] == "ana" and queues["agents"][0]["presence"] == "online"
        async with souk.http(souk.staff("bob")) as c:  # never opened the desk socket
            r = await c.put("/v1/desk/presence", json={"presence": "online"})
            assert r.status_code == 404 and r.json()["error"]["code"] == "agent_not_found"


async def test_video_escalation_rings_the_widget_then_the_desk(tmp_path: Path, brain: OfflineBrain) -> None:
    async with desk_souk(tmp_path / "souk", brain) as souk:
        ana = await online_agent(souk, "ana", name="Ana")
        shopper = await souk.ws("/v1/agent/ws", souk.token("C-518"), language="es")
        sid = (await shopper.wait_type("ready"))["session_id"]
        await shopper.send(type="human")
        assert (await shopper.wait_for(lambda f: f.get("type") == "desk_status" and "text" in f))["status"] \
            == "assigned"
        async with souk.http(souk.token("C-518")) as c:  # no offer yet: no call for this conversation
            r = await c.post("/v1/consults", json={"conversation_id": sid, "language": "es"})
            assert r.status_code == 409 and r.json()["error"]["code"] == "no_video_offer"
            r = await c.post("/v1/consults", json={"language": "es"})  # neither a product nor a conversation
            assert r.status_code == 400 and r.json()["error"]["code"] == "bad_product"
        async with souk.http(souk.staff("ana")) as c:
            r = await c.post(f"/v1/desk/conversations/{sid}/video")
            assert r.status_code == 200, r.text
        offer = await shopper.wait_type("call_offer")
        assert offer["conversation_id"] == sid and offer["agent_name"] == "Ana"
        async with souk.http(souk.token("C-510")) as c:  # another shopper with this conversation's id
            r = await c.post("/v1/consults", json={"conversation_id": sid, "language": "es"})
            assert r.status_code == 404 and r.json()["error"]["code"] == "conversation_not_found"
        async with souk.http(souk.token("C-518")) as c:  # the widget accepted: the page starts the consult
            r = await c.post("/v1/consults", json={"conversation_id": sid, "language": "es"})
            assert r.status_code == 201, r.text
            call = r.json()["call"]
        rung = await ana.wait_type("call")
        assert rung == {"type": "call", "conversation_id": sid, "call_id": call["call_id"], "room_id": call["room"]}
        async with souk.http(souk.staff("ana")) as c:
            r = await c.post(f"/v1/consults/{call['call_id']}/accept")
            assert r.status_code == 200, r.text
            body = (await c.get(f"/v1/desk/conversations/{sid}")).json()
            assert body["conversation"]["active_call"] == call["call_id"]
            assert (await c.post(f"/v1/desk/conversations/{sid}/close", json={})).json()["error"]["code"] \
                == "call_active"
            r = await c.post(f"/v1/consults/{call['call_id']}/hangup")
            assert r.status_code == 200, r.text
            for _ in range(100):
                body = (await c.get(f"/v1/desk/conversations/{sid}")).json()
                if body["conversation"]["active_call"] is None:
                    break
                await asyncio.sleep(0.05)
        kinds = [e["kind"] for e in body["events"]]
        assert "call_started" in kinds and "call_ended" in kinds
        ended = next(e for e in body["events"] if e["kind"] == "call_ended")
        assert ended["call_id"] == call["call_id"] and ended["outcome"] == "completed"
        started = await shopper.wait_for(lambda f: f.get("type") == "desk" and f["event"]["kind"] == "call_started")
        assert started["event"]["call_id"] == call["call_id"]
        await shopper.aclose()
        await ana.aclose()
