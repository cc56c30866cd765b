"""The customer-service desk on two Souk nodes (``souk serve`` subprocesses) on one PostgreSQL and one Redis.

One node serves a merchant's desk (the room router's pin ``<merchant>/~desk``, docs/desk.md "Many nodes,
restarts"); its clients are routed there up front:

- the staff member's desk socket opens on node A, which then serves the desk; on node B the staff socket and
  the shopper's assistant socket are refused with an error frame ``room_elsewhere`` naming A's URL and close
  code 4409, a REST session open and a staff REST call answer 409 ``room_elsewhere``;
- the shopper is the widget's own client (static/assistant/client.js) in Chromium, on a page of node B: it
  moves to A by itself; there it asks the AI, then for a person: the staff member gets the conversation with
  its packet, replies, the shopper sees it and answers the person; a second shopper's conversation (REST) goes
  to a second staff member;
- node A is SIGKILLed: the staff member's socket on B is refused naming A until A's heartbeat expires, then B
  takes the desk over from the database: the staff member still holds the conversation (back within the
  grace) and replies from B; the widget comes back to B by itself, resumes its session there, sees the reply
  and keeps talking to the person; a socket resuming with ``after=`` gets the events after that seq; the
  second staff member never comes back: after the grace their conversation goes back to its queue and to the
  staff member who is online; the timeline on B has every message in order; the conversation is closed on B
  and the shopper gives CSAT there.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import websockets

from souk.core.settings import Settings
from souk.storage import open_storage, seed_demo
from tests.integration.api.desk_app import Socket
from tests.integration.multinode.souk_nodes import Node, auth, mint, ok

SHOPPER = "C-518"  # a demo customer (orders 1036 ...)
OTHER_SHOPPER = "C-777"
GRACE_S = 8.0  # desk.agent_grace_s of both nodes
WAIT_S = 45.0  # generous waits: two nodes, their Janus and the test share a small, busy machine

pytestmark = [pytest.mark.skipif(shutil.which("janus") is None, reason="janus is not installed (make setup)"),
              pytest.mark.redis, pytest.mark.postgres, pytest.mark.janus, pytest.mark.browser]

# The widget's client on a page of node B; what it emits lands in window.log.
OPEN_WIDGET = """async ([token, base]) => {
    const { AssistantClient } = await import("/static/assistant/client.js");
    const log = window.log = [];
    const chat = window.chat = new AssistantClient({ token, baseUrl: base, language: "en" });
    for (const type of ["ready", "reply", "desk", "desk_status", "csat_request", "moved", "error", "closed"]) {
        chat.on(type, (e) => log.push({ ...e, type, base: chat.baseUrl }));
    }
    await chat.open();
    return { base: chat.baseUrl, session: chat.sessionId };
}"""


async def _seed(database_url: str, tmp: Path) -> tuple[str, str]:
    storage = await open_storage(Settings(data_dir=str(tmp / "seed"), database_url=database_url))
    try:
        seed = await seed_demo(storage)
        key, _ = await storage.api_keys.create(seed.merchant_id, label="desk-nodes-test")
        return seed.merchant_id, key
    finally:
        await storage.aclose()


def _ws(node: Node, path: str, token: str, **query: str) -> str:
    q = "&".join(f"{k}={v}" for k, v in {"token": token, **query}.items())
    return f"{node.base.replace('http://', 'ws://')}{path}?{q}"


async def _first(sock: Socket, what: str) -> dict[str, Any]:
    try:
        return await sock.wait_for(lambda f: True, timeout=WAIT_S)
    except AssertionError:
        raise AssertionError(f"{what}: no frame within {WAIT_S} s (closed with {sock.closed_code})") from None


async def _refused(node: Node, path: str, token: str, **query: str) -> dict[str, Any]:
    """The error frame of a socket ``node`` refuses; it must close with 4409."""
    sock = Socket(await websockets.connect(_ws(node, path, token, **query)))
    first = await _first(sock, f"{path} on {node.node_id}")
    assert first.get("type") == "error", f"{path} on {node.node_id} was not refused: {first}"
    assert await sock.wait_closed(WAIT_S) == 4409, (first, sock.closed_code)
    return first


async def _served(node: Node, path: str, token: str, *, expect: str, elsewhere: str, **query: str) -> Socket:
    """A socket on ``node`` once it serves the desk: refused ``room_elsewhere`` naming ``elsewhere`` (a dead node
    whose heartbeat has not expired yet) until then."""
    deadline = time.monotonic() + WAIT_S
    refusals = 0
    while True:
        sock = Socket(await websockets.connect(_ws(node, path, token, **query)))
        first = await _first(sock, f"{path} on {node.node_id}")
        if first.get("type") == expect:
            return sock
        assert first.get("code") == "room_elsewhere" and first["details"]["node"] == elsewhere, first
        await sock.wait_closed(WAIT_S)
        refusals += 1
        assert time.monotonic() < deadline, f"{node.node_id} did not take the desk over in {WAIT_S} s " \
                                            f"({refusals} refusals naming {elsewhere})"
        await asyncio.sleep(0.5)


async def _staff_online(sock: Socket) -> dict[str, Any]:
    hello = await sock.wait_type("hello", timeout=WAIT_S)
    n = len(sock.frames)
    await sock.send(type="presence", presence="online")
    await sock.wait_for(lambda f: f.get("type") == "presence" and f["presence"] == "online", WAIT_S, after=n)
    return hello


async def _widget_saw(page: Any, predicate: str, what: str, timeout_s: float = WAIT_S) -> dict[str, Any]:
    """The first entry of the widget's log that ``predicate`` (JS, of ``e``) accepts."""
    try:
        await page.wait_for_function(f"() => window.log.some((e) => {predicate})", timeout=timeout_s * 1000)
    except Exception as exc:
        log = await page.evaluate("() => window.log.slice(-10)")
        raise AssertionError(f"the widget did not see {what} within {timeout_s} s; last: {log}") from exc
    found: dict[str, Any] = await page.evaluate(f"() => window.log.find((e) => {predicate})")
    return found


async def _desk_page_on(page: Any, node: Node, what: str) -> str:
    """Wait until the desk page (static/pages/desk.js) runs on ``node`` with its staff socket up (hello seen)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        with contextlib.suppress(Exception):  # a navigation in progress
            if page.url.startswith(node.base + "/desk") and await page.evaluate(
                    "() => !!(window.soukDesk && window.soukDesk.me && window.soukDesk.ws"
                    " && window.soukDesk.ws.ws.readyState === 1)"):
                return str(page.url)
        assert time.monotonic() < deadline, f"the desk page is not on {node.node_id} ({what}): at {page.url}"
        await asyncio.sleep(0.2)


def _kinds_and_texts(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["kind"], e.get("text", "")) for e in events]


async def test_desk_follows_its_node_and_survives_it(tmp_path: Path, postgres_url: str, redis_url: str,
                                                     netns: None, chromium: Any) -> None:
    _, key = await _seed(postgres_url, tmp_path)
    env = {"SOUK_DESK__AGENT_GRACE_S": str(GRACE_S)}
    a = Node("node-a", tmp_path / "a", database_url=postgres_url, redis_url=redis_url, rtp="20000-29999", env=env)
    b: Node | None = None
    sockets: list[Socket] = []
    try:
        await a.ready()  # one at a time: the first start migrates the database
        b = Node("node-b", tmp_path / "b", database_url=postgres_url, redis_url=redis_url, rtp="30000-39999",
                 env=env)
        await b.ready()
        async with a.http() as http_a, b.http() as http_b:
            ana = await mint(http_a, key, identity="ana", room="*", role="agent", name="Ana")
            bo = await mint(http_a, key, identity="bo", room="*", role="agent", name="Bo")
            shopper = await mint(http_a, key, identity=SHOPPER, room="lobby", role="member")
            other = await mint(http_a, key, identity=OTHER_SHOPPER, room="lobby", role="member")

            # the merchant's staff, set up through A, and Ana's desk socket there: A serves the desk from now on
            for agent in ("ana", "bo"):
                await ok(http_a.put(f"/v1/desk/agents/{agent}", headers=auth(key), json={
                    "name": agent.title(), "capacity": 3, "skills": {"languages": ["en", "es"]}}))
            ana_a = Socket(await websockets.connect(_ws(a, "/v1/desk/ws", ana)))
            sockets.append(ana_a)
            await _staff_online(ana_a)

            # B sends every desk client to A: the shopper's and the staff's sockets, REST open and staff REST
            refused = await _refused(b, "/v1/agent/ws", shopper)
            assert refused["code"] == "room_elsewhere", refused
            assert refused["details"]["node"] == "node-a" and refused["details"]["url"] == a.base, refused
            refused = await _refused(b, "/v1/desk/ws", bo)
            assert refused["code"] == "room_elsewhere" and refused["details"]["url"] == a.base, refused
            r = await http_b.post("/v1/agent/sessions", json={"language": "en"}, headers=auth(other))
            assert r.status_code == 409 and r.json()["error"]["code"] == "room_elsewhere", r.text
            assert r.json()["error"]["details"]["url"] == a.base, r.text
            r = await http_b.get("/v1/desk/queues", headers=auth(ana))
            assert r.status_code == 409 and r.json()["error"]["details"]["node"] == "node-a", r.text

            # Ana's desk page opened on B moves to A by itself (token kept, B remembered as home)
            desk_page = await chromium.new_page()
            await desk_page.goto(f"{b.base}/desk?token={ana}")
            at = await _desk_page_on(desk_page, a, "opened on B")
            assert f"token={ana}" in at and "home=" in at, at

            # the widget on a page of B moves to A by itself; there the shopper asks the AI, then for a person;
            # Ana gets it and replies, the shopper sees it and answers her
            page = await chromium.new_page()
            await page.goto(f"{b.base}/")
            opened = await page.evaluate(OPEN_WIDGET, [shopper, b.base])
            assert opened["base"] == a.base, opened
            sid = opened["session"]
            moved = await page.evaluate("() => window.log.filter((e) => e.type === 'moved').map((e) => e.url)")
            assert moved == [a.base], moved
            await page.evaluate("() => window.chat.send('Where is my order 1036?')")
            answer = await _widget_saw(page, "e.type === 'reply'", "the AI's answer")
            assert answer["handoff"] is None and answer["text"], answer
            await page.evaluate("() => window.chat.human()")
            told = await _widget_saw(page, "e.type === 'desk_status' && 'text' in e", "the hand-off notice")
            assert told["status"] == "assigned", told
            got = await ana_a.wait_for(lambda f: f.get("type") == "assigned", WAIT_S)
            assert got["conversation"]["id"] == sid and got["packet"]["reason"] == "explicit_request", got
            await ok(http_a.post(f"/v1/desk/conversations/{sid}/messages", headers=auth(ana),
                                 json={"text": "Hi, Ana here: let me check order 1036."}))
            seen = await _widget_saw(page, "e.type === 'desk' && e.event.text === 'Hi, Ana here: let me check "
                                           "order 1036.'", "Ana's reply on A")
            last_seq = seen["event"]["seq"]
            await page.evaluate("() => window.chat.send('Thanks, it was due on Monday.')")
            await ana_a.wait_for(lambda f: f.get("type") == "event" and f["conversation_id"] == sid
                                 and f["event"].get("text") == "Thanks, it was due on Monday.", WAIT_S)

            # a second shopper (REST) goes to Bo, the less loaded staff member
            bo_a = Socket(await websockets.connect(_ws(a, "/v1/desk/ws", bo)))
            sockets.append(bo_a)
            await _staff_online(bo_a)
            sid2 = (await ok(http_a.post("/v1/agent/sessions", json={"language": "en"},
                                         headers=auth(other))))["session_id"]
            human = await ok(http_a.post(f"/v1/agent/sessions/{sid2}/human", json={"language": "en"},
                                         headers=auth(other)))
            assert human["status"] == "assigned" and human["notice"]["agent_name"] == "Bo", human
            await bo_a.wait_for(lambda f: f.get("type") == "assigned" and f["conversation"]["id"] == sid2, WAIT_S)

            # node A dies with the desk's live state
            a.sigkill()
            for sock in (ana_a, bo_a):
                await sock.wait_closed(WAIT_S)
            killed_at = time.monotonic()

            # Ana comes back through B: refused naming A until A's heartbeat expires, then B loads the desk
            ana_b = await _served(b, "/v1/desk/ws", ana, expect="hello", elsewhere="node-a")
            sockets.append(ana_b)
            hello = await _staff_online(ana_b)
            assert sid in hello["holds"] and sid2 not in hello["holds"], hello
            took_over_s = time.monotonic() - killed_at
            await ok(http_b.post(f"/v1/desk/conversations/{sid}/messages", headers=auth(ana),
                                 json={"text": "Sorry, we had a hiccup. It ships today."}))

            # Ana's desk page goes back home to B and its socket is up there
            at = await _desk_page_on(desk_page, b, "after A was killed")
            assert f"token={ana}" in at and "home=" not in at, at

            # the widget comes back to B by itself, resumes its session there, sees the reply (live, or as
            # missed), and keeps talking to Ana there
            back = await _widget_saw(page, "e.type === 'ready' && e.resumed && e.base === " + repr(b.base),
                                     "its session resumed on B")
            assert back["session_id"] == sid, back
            await _widget_saw(page, "e.type === 'desk' && e.event.text === 'Sorry, we had a hiccup. It ships "
                                    "today.'", "Ana's reply from B")
            await page.evaluate("() => window.chat.send('Great, thank you!')")
            await ana_b.wait_for(lambda f: f.get("type") == "event" and f["conversation_id"] == sid
                                 and f["event"].get("text") == "Great, thank you!", WAIT_S)
            errors = await page.evaluate("() => window.log.filter((e) => e.type === 'error')")
            assert errors == [], errors
            # a socket resuming with after=<seq> gets the shopper-visible events after it, in order
            again = Socket(await websockets.connect(_ws(b, "/v1/agent/ws", shopper, session=sid,
                                                        after=str(last_seq))))
            sockets.append(again)
            ready = await _first(again, "a resume on B with after=")
            assert ready == {"type": "ready", "session_id": sid, "resumed": True}, ready
            status = await again.wait_type("desk_status", timeout=WAIT_S)
            assert status["status"] == "assigned" and status["notice"]["agent_name"] == "Ana", status
            await again.wait_for(lambda f: f.get("type") == "desk" and f["event"].get("text") == "Great, thank you!",
                                 WAIT_S)
            missed = [f["event"] for f in again.frames if f.get("type") == "desk"]
            assert [e.get("text") for e in missed] == [
                "Thanks, it was due on Monday.", "Sorry, we had a hiccup. It ships today.", "Great, thank you!"], missed
            assert all(e["seq"] > last_seq for e in missed) and missed == sorted(missed, key=lambda e: e["seq"])
            await again.aclose()

            # Bo never comes back: after the grace his conversation goes back to its queue, then to Ana
            moved = await ana_b.wait_for(lambda f: f.get("type") == "assigned" and f["conversation"]["id"] == sid2,
                                         GRACE_S + WAIT_S)
            assert moved["conversation"]["agent_id"] == "ana", moved
            detail2 = await ok(http_b.get(f"/v1/desk/conversations/{sid2}", headers=auth(ana)))
            requeued = [e for e in detail2["events"] if e["kind"] == "transferred"]
            assert requeued and requeued[-1]["reason"] == "agent_offline", detail2["events"]

            # B has the whole timeline, closes the conversation, and the shopper rates it there
            detail = await ok(http_b.get(f"/v1/desk/conversations/{sid}", headers=auth(ana)))
            assert detail["conversation"]["status"] == "assigned" and detail["conversation"]["agent_id"] == "ana"
            timeline = _kinds_and_texts(detail["events"])
            said = [(k, t) for k, t in timeline if k in ("shopper_message", "ai_message", "agent_message")]
            assert said == [
                ("shopper_message", "Where is my order 1036?"), ("ai_message", answer["text"]),
                ("agent_message", "Hi, Ana here: let me check order 1036."),
                ("shopper_message", "Thanks, it was due on Monday."),
                ("agent_message", "Sorry, we had a hiccup. It ships today."),
                ("shopper_message", "Great, thank you!")], timeline
            assert [k for k, _ in timeline].count("handoff") == 1 and ("assigned", "") in timeline, timeline
            assert [e["seq"] for e in detail["events"]] == list(range(1, len(detail["events"]) + 1))
            closed = await ok(http_b.post(f"/v1/desk/conversations/{sid}/close", headers=auth(ana),
                                          json={"resolution": "resolved"}))
            assert closed["conversation"]["status"] == "closed", closed
            await _widget_saw(page, "e.type === 'desk' && e.event.kind === 'closed'", "the close")
            await _widget_saw(page, "e.type === 'csat_request'", "the CSAT request")
            await page.evaluate("() => window.chat.csat(5, 'fast, even after a crash')")
            deadline = time.monotonic() + WAIT_S
            while True:
                final = await ok(http_b.get(f"/v1/desk/conversations/{sid}", headers=auth(ana)))
                if final["conversation"]["csat"] == 5:
                    break
                assert time.monotonic() < deadline, f"no CSAT on B within {WAIT_S} s: {final['events'][-3:]}"
                await asyncio.sleep(0.2)
            assert final["events"][-1]["kind"] == "csat" and final["events"][-1]["score"] == 5, final["events"]
            await page.close()
            await desk_page.close()
            print(f"desk taken over by node-b {took_over_s:.1f} s after node-a was killed")
    finally:
        for sock in sockets:
            await sock.aclose()
        a.stop()
        if b is not None:
            b.stop()
