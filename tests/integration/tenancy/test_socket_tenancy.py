"""Merchant B on the RTM, agent and voice sockets, with A's room ids and identities: every client message
kind, and nothing of A's comes back, reaches A's connected clients or changes A's state.

The signaling socket needs Janus; it is covered by test_signal_tenancy.py.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets

from tests.fixtures.wsframes import frames_until
from tests.integration.tenancy.tenancy_app import (
    A_ONLY_CUSTOMER,
    A_ONLY_EMAIL,
    A_ONLY_ORDER,
    LIVE,
    B,
    RtmWs,
    Tenancy,
    a_state,
)
from tests.unit.agent.voice_fakes import SILENCE, SPEECH

pytestmark = pytest.mark.asyncio(loop_scope="module")

SOCKETS = {"/v1/rtm/ws": "test_rtm_socket", "/v1/agent/ws": "test_agent_socket", "/v1/voice": "test_voice_socket"}
RTM_KINDS = {"join", "leave", "pub", "mod", "who", "ping"}  # every client frame of souk.rtm.envelope


def _no_leak(t: Tenancy, frames: list[Any], sent: str = "") -> None:
    """Nothing of A's in ``frames`` but what B itself ``sent`` (an assistant may repeat an e-mail back)."""
    for f in frames:
        text = f if isinstance(f, str) else json.dumps(f)
        leaked = [s for s in t.leaked(text) if s not in sent]
        assert not leaked, f"A's {leaked} in {text[:300]}"


async def test_rtm_socket(tenancy: Tenancy) -> None:
    t = tenancy
    assert t.a_rtm is not None
    seen_by_a = len(t.a_rtm.frames)
    before = await a_state(t)
    api_port, listener = t.rtm_urls  # A's viewer-1 is on the listener
    viewer = await RtmWs.connect(listener, t.token(B, "viewer-1", LIVE, "audience"))
    host = await RtmWs.connect(api_port, t.token(B, "host-1", LIVE, "host"))
    try:
        for ws in (viewer, host):
            hello = await ws.wait_for(lambda f: f.get("t") == "hello")
            assert hello["identity"] in ("viewer-1", "host-1")
            await ws.send(t="join", ch=LIVE, history=1000, id="j")
            await ws.wait_for(lambda f: f.get("id") == "j")
        await viewer.send(t="who", ch=LIVE, id="w")
        who = await viewer.wait_for(lambda f: f.get("id") == "w")
        assert sorted(m["id"] for m in who["members"]) == ["host-1", "viewer-1"], who  # B's two only
        await viewer.send(t="pub", ch=LIVE, k="chat", b="acme hello", id="p")
        await viewer.wait_for(lambda f: f.get("id") == "p" and f.get("t") == "ack")
        await viewer.send(t="pub", ch=LIVE, k="like", n=3, id="l")
        for action in ({"a": "kick", "user": "viewer-1"}, {"a": "ban", "user": "viewer-1", "dur": 60},
                       {"a": "keywords", "words": ["secret"]}, {"a": "delete", "seq": 1}, {"a": "slow", "dur": 30}):
            await host.send(t="mod", ch=LIVE, id=f"m-{action['a']}", **action)
            await host.wait_for(lambda f, a=action: f.get("id") == f"m-{a['a']}")
        await host.send(t="ping", id="pg")
        await host.wait_for(lambda f: f.get("t") == "pong" and f.get("id") == "pg")
        await host.send(t="leave", ch=LIVE, id="lv")
        await host.wait_for(lambda f: f.get("id") == "lv")
        await asyncio.sleep(0.5)  # a misrouted broadcast or like tick would have arrived by now
        _no_leak(t, viewer.frames + host.frames)
    finally:
        await viewer.aclose()
        await host.aclose()
    to_a = t.a_rtm.frames[seen_by_a:]
    assert not [f for f in to_a if "acme" in json.dumps(f) or f.get("t") in ("agg", "kicked")], to_a
    assert t.a_rtm.open, "B's kick of viewer-1 closed A's viewer-1"
    assert await a_state(t) == before


async def test_agent_socket(tenancy: Tenancy) -> None:
    """Every client message: auth (first message), message, ping, bye, and ?session= (resume)."""
    t = tenancy
    before = await a_state(t)
    token = t.token(B, A_ONLY_CUSTOMER, "lobby", "member")
    frames: list[dict[str, Any]] = []
    async with websockets.connect(f"{t.ws_base}/v1/agent/ws") as ws:  # the first message authenticates
        await ws.send(json.dumps({"type": "auth", "token": token}))
        frames += await frames_until(ws, "ready", "error", timeout=60.0)
        assert frames[-1]["type"] == "ready" and frames[-1]["session_id"] != t.a["conv_id"]
        await ws.send(json.dumps({"type": "message", "text": f"Where is my order {A_ONLY_ORDER}?"}))
        frames += await frames_until(ws, "reply", "error", timeout=60.0)
        assert frames[-1]["type"] == "reply", frames[-1]
        await ws.send(json.dumps({"type": "message", "text": "Show me a waterproof jacket"}))
        frames += await frames_until(ws, "reply", "error", timeout=60.0)
        await ws.send(json.dumps({"type": "message", "text": f"order {A_ONLY_ORDER}, e-mail {A_ONLY_EMAIL}"}))
        frames += await frames_until(ws, "reply", "error", timeout=60.0)
        await ws.send(json.dumps({"type": "ping"}))
        frames += await frames_until(ws, "pong", "error", timeout=60.0)
        await ws.send(json.dumps({"type": "bye"}))
    # resuming A's conversation (?session=, the point a slow reader is cut off with) is not found for B
    async with websockets.connect(f"{t.ws_base}/v1/agent/ws?token={token}&session={t.a['conv_id']}") as ws:
        refused = await frames_until(ws, "ready", "error", timeout=60.0)
        assert refused[-1]["type"] == "error" and refused[-1]["code"] == "unknown_conversation", refused
    _no_leak(t, frames, sent=A_ONLY_EMAIL)
    assert await a_state(t) == before


async def test_voice_socket(tenancy: Tenancy) -> None:
    """Every client message: auth, text, interrupt, microphone audio, ping, bye."""
    t = tenancy
    before = await a_state(t)
    token = t.token(B, A_ONLY_CUSTOMER, "lobby", "member")
    frames: list[dict[str, Any]] = []
    async with websockets.connect(f"{t.ws_base}/v1/voice?token={token}&language=en") as ws:
        frames += await frames_until(ws, "ready", timeout=60.0)
        await ws.send(json.dumps({"type": "auth", "token": token}))
        await ws.send(json.dumps({"type": "text", "text": f"Where is my order {A_ONLY_ORDER}?"}))
        frames += await frames_until(ws, "agent_text", timeout=60.0)
        await ws.send(json.dumps({"type": "interrupt"}))
        for _ in range(25):  # half a second of speech, then silence: the scripted STT asks about A's order
            await ws.send(SPEECH)
        for _ in range(60):
            await ws.send(SILENCE)
        frames += await frames_until(ws, "agent_text", timeout=60.0)
        await ws.send(json.dumps({"type": "ping"}))
        frames += await frames_until(ws, "pong", timeout=60.0)
        await ws.send(json.dumps({"type": "bye"}))
    _no_leak(t, frames)
    texts = [f for f in frames if f["type"] == "agent_text"]
    assert len(texts) == 2 and all(f["text"] for f in texts), texts
    assert await a_state(t) == before


