"""The voice socket under hostile input: deep JSON answered and the socket kept, the token's expiry closing
it (4401), and a client that never reads the agent's frames cut off (4429) with its session released."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import websockets
from test_voice_ws import FakeBrain, fake_voice
from voice_server import serve, shopper_token

from souk.bench.rawws import connect, flood, rss_mb
from tests.fixtures.wsframes import frames_until_closed


async def test_deep_json_is_answered_and_the_socket_stays_up() -> None:
    async with serve(voice=fake_voice(), brain=FakeBrain()) as (url, tokens), \
            websockets.connect(url + "?token=" + shopper_token(tokens)) as ws:
        assert json.loads(await ws.recv())["type"] == "ready"
        for bad in ("[" * 2048, "[" * 970 + "]" * 970, '{"type":"text","text":' + "[" * 1000 + "}"):
            await ws.send(bad)
        await ws.send(json.dumps({"type": "ping"}))
        codes = []
        while True:
            ev = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if ev["type"] == "pong":
                break
            codes.append(ev.get("code"))
        assert codes == ["bad_json"] * 3


async def test_the_socket_closes_when_its_token_expires() -> None:
    async with serve(voice=fake_voice(), brain=FakeBrain()) as (url, tokens), \
            websockets.connect(url + "?token=" + shopper_token(tokens, ttl_s=1)) as ws:
        frames, code = await frames_until_closed(ws)
    assert code == 4401 and frames[-1]["code"] == "token_expired"


async def test_a_client_that_never_reads_is_cut_off() -> None:
    voice = fake_voice()
    async with serve(voice=voice, brain=FakeBrain()) as (url, tokens):
        port = int(url.split(":")[2].split("/")[0])
        before = rss_mb()
        sock = await asyncio.to_thread(connect, "127.0.0.1", port, "/v1/voice?token=" + shopper_token(tokens))
        for _ in range(50):
            if voice.sessions:
                break
            await asyncio.sleep(0.05)
        assert voice.sessions == 1
        stop = threading.Event()
        flooding = asyncio.ensure_future(asyncio.to_thread(
            flood, sock, json.dumps({"type": "ping", "pad": "p" * 4000}).encode(), seconds=60, stop=stop))
        started = time.monotonic()
        try:
            while voice.sessions and time.monotonic() - started < 45:
                await asyncio.sleep(0.2)
        finally:
            stop.set()
            result = await flooding
        assert voice.sessions == 0, f"still served after {result.sent} unread pings"
        assert rss_mb() - before < 64


async def test_typed_turns_count_against_the_assistant_message_limit() -> None:
    async with serve(voice=fake_voice(), brain=FakeBrain()) as (url, tokens), \
            websockets.connect(url + "?token=" + shopper_token(tokens)) as ws:
        assert json.loads(await ws.recv())["type"] == "ready"
        allowed = 30  # Settings.limits.assistant_message_identity default: 30 a minute
        for n in range(allowed + 1):
            await ws.send(json.dumps({"type": "text", "text": f"turn {n}"}))
        await ws.send(json.dumps({"type": "ping"}))
        codes: list[str] = []
        while True:
            msg = await asyncio.wait_for(ws.recv(), 10)
            if isinstance(msg, bytes):
                continue
            ev = json.loads(msg)
            if ev["type"] == "pong":
                break
            if ev["type"] == "error":
                codes.append(ev["code"])
        assert codes == ["rate_limited"]


async def test_the_socket_closes_when_its_token_is_revoked() -> None:
    apps: list[Any] = []
    async with serve(voice=fake_voice(), brain=FakeBrain(), extra=apps.append) as (url, tokens):
        token = shopper_token(tokens)
        async with websockets.connect(url + "?token=" + token) as ws:
            assert json.loads(await ws.recv())["type"] == "ready"
            claims = tokens.verify(token)
            await apps[0].state.ctx.guard.revoke(claims.token_id, claims.merchant_id, claims.expires_at)
            frames, code = await frames_until_closed(ws)
        assert code == 4403 and frames[-1]["code"] == "token_revoked"
        async with websockets.connect(url + "?token=" + token) as ws:  # and it is refused from now on
            frames, code = await frames_until_closed(ws)
        assert code == 4403 and frames[0]["code"] == "token_revoked"
