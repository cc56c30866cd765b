"""Merchant B on the desk's staff socket and with the desk frames of the assistant socket: B's staff hears
nothing of A's conversations while A's staff works on one, and B's shopper asking for a person, leaving an
e-mail or rating reaches only B's desk."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets

from tests.fixtures.wsframes import frames_until
from tests.integration.tenancy.cases_desk import A_AGENT, _a_desk, a_staff
from tests.integration.tenancy.tenancy_app import A_ONLY_CUSTOMER, B, Tenancy, a_state

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _no_leak(t: Tenancy, frames: list[Any]) -> None:
    for f in frames:
        text = json.dumps(f)
        assert not t.leaked(text), f"A's {t.leaked(text)} in {text[:300]}"


async def test_desk_socket(tenancy: Tenancy) -> None:
    """Every client frame (auth by first message, presence, ping, a bad one) of B's staff member with A's
    staff identity, while A's staff member writes on A's waiting conversation."""
    t = tenancy
    await _a_desk(t)
    before = await a_state(t)
    token = t.token(B, A_AGENT, "*", "agent")
    async with websockets.connect(f"{t.ws_base}/v1/desk/ws") as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        frames = await frames_until(ws, "queues", "error", timeout=10.0)
        hello = next(f for f in frames if f["type"] == "hello")
        assert hello["agent"]["id"] == A_AGENT and hello["holds"] == [] and "a-secret" not in hello["agent"]["name"]
        assert frames[-1]["type"] == "queues" and frames[-1]["queues"] == []
        await ws.send(json.dumps({"type": "presence", "presence": "online"}))
        frames += await frames_until(ws, "presence", "error")
        await ws.send(json.dumps({"type": "ping"}))
        frames += await frames_until(ws, "pong")
        await ws.send(json.dumps({"type": "claim", "conversation_id": t.a["conv_id"]}))
        frames += await frames_until(ws, "error")
        assert frames[-1]["code"] == "bad_message"
        # A's staff member writes a note on A's conversation: A's desk hears it, B's socket nothing
        async with websockets.connect(f"{t.ws_base}/v1/desk/ws?token={a_staff(t)}") as a_ws:
            await frames_until(a_ws, "queues", timeout=10.0)
            async with t.http(a_staff(t)) as c:
                r = await c.post(f"/v1/desk/conversations/{t.a['conv_id']}/notes", json={"text": "a-secret note"})
                assert r.status_code == 200, r.text
            heard = await frames_until(a_ws, "event", timeout=5.0)
            assert heard[-1]["conversation_id"] == t.a["conv_id"]
        await asyncio.sleep(0.3)
        await ws.send(json.dumps({"type": "ping"}))
        frames += await frames_until(ws, "pong")
    _no_leak(t, frames)
    assert not [f for f in frames if f["type"] in ("event", "assigned", "conversation")], frames
    assert await a_state(t) == before


async def test_desk_frames_of_the_assistant_socket(tenancy: Tenancy) -> None:
    """B's shopper with A's customer's identity: human, email and csat frames act on B's own conversation."""
    t = tenancy
    await _a_desk(t)
    a_inbox = await _inbox_of_a(t)
    token = t.token(B, A_ONLY_CUSTOMER, "lobby", "member")
    async with websockets.connect(f"{t.ws_base}/v1/agent/ws?token={token}&language=en") as ws:
        frames = await frames_until(ws, "ready", timeout=30.0)
        sid = frames[-1]["session_id"]
        assert sid != t.a["conv_id"]
        await ws.send(json.dumps({"type": "human"}))
        frames += await frames_until(ws, "error", "desk_status", timeout=30.0)
        while frames[-1].get("text") is None and frames[-1]["type"] == "desk_status":  # the pushed one first
            frames += await frames_until(ws, "error", "desk_status", timeout=10.0)
        assert frames[-1]["status"] == "queued", frames[-1]
        await ws.send(json.dumps({"type": "email", "email": "acme-buyer@example.com"}))
        frames += await frames_until(ws, "email_saved", "error")
        assert frames[-1]["type"] == "email_saved"
        await ws.send(json.dumps({"type": "csat", "score": 4}))
        frames += await frames_until(ws, "error")
        assert frames[-1]["code"] == "csat_before_close"
    _no_leak(t, frames)
    async with t.http(t.token(B, "seller-1", "*", "agent")) as c:
        mine = (await c.get("/v1/desk/conversations")).json()["conversations"]
        assert [row["id"] for row in mine] == [sid]
    assert await _inbox_of_a(t) == a_inbox


async def _inbox_of_a(t: Tenancy) -> list[dict[str, Any]]:
    async with t.http(a_staff(t)) as c:
        rows: list[dict[str, Any]] = (await c.get("/v1/desk/conversations")).json()["conversations"]
    for row in rows:
        row.pop("waiting_s", None)  # the clock moves on
    return rows
