"""JanusConnection / session / handle logic against a scripted in-memory Janus, on a manual clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import Timeout, Unavailable
from souk.media import messages as m
from souk.media.client import DETACHED_GRACE_S, HANDLE_QUEUE_LIMIT, JanusConnection
from souk.media.errors import JanusUnauthorized, NoSuchRoom, SessionGone
from souk.media.events import HandleGone

_CLOSE = object()
Responder = Callable[[dict[str, Any]], list[Any]]
pytestmark = pytest.mark.timeout(10)


async def _settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


class FakeJanus:
    """A Transport: records what is sent, answers through ``responder``, can push frames or drop the line."""

    def __init__(self, responder: Responder | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self.inbox: asyncio.Queue[Any] = asyncio.Queue()
        self.responder = responder or standard
        self.closed = False

    async def send(self, frame: bytes) -> None:
        if self.closed:
            raise Unavailable("closed")
        req = json.loads(frame)
        self.sent.append(req)
        for reply in self.responder(req):
            self.push(reply)

    def push(self, obj: Any) -> None:
        self.inbox.put_nowait(obj if isinstance(obj, str | bytes) or obj is _CLOSE else json.dumps(obj))

    async def recv(self) -> str | bytes:
        item = await self.inbox.get()
        if item is _CLOSE:
            self.closed = True
            raise Unavailable("peer closed")
        return item

    async def aclose(self) -> None:
        self.push(_CLOSE)


def standard(req: dict[str, Any]) -> list[Any]:
    tx = req["transaction"]
    kind = req["janus"]
    if kind == "create":
        return [{"janus": "success", "transaction": tx, "data": {"id": 100}}]
    if kind == "attach":
        return [{"janus": "success", "transaction": tx, "session_id": 100, "data": {"id": 200}}]
    if kind in ("keepalive", "trickle"):
        return [{"janus": "ack", "transaction": tx, "session_id": 100}]
    if kind in ("detach", "destroy", "hangup"):
        return [{"janus": "success", "transaction": tx, "session_id": 100}]
    if kind == "message":
        body = req["body"]
        if body.get("request") == "join":
            return [
                {"janus": "ack", "transaction": tx, "session_id": 100},
                {"janus": "event", "transaction": tx, "session_id": 100, "sender": 200,
                 "plugindata": {"plugin": "janus.plugin.videoroom",
                                "data": {"videoroom": "error", "error_code": 426, "error": "No such room"}}},
            ]
        return [{"janus": "ack", "transaction": tx, "session_id": 100}]  # async: reply comes later
    if kind == "info":
        return [{"janus": "server_info", "transaction": tx, "name": "fake", "version_string": "1.1.2"}]
    return []


async def _open(fake: FakeJanus, clock: ManualClock | None = None, **kw: Any) -> JanusConnection:
    return JanusConnection(fake, api_secret="s3", timeout=5.0, clock=clock or ManualClock(), name="fake", **kw)


async def test_request_fills_transaction_and_secret_and_waits_past_ack() -> None:
    fake = FakeJanus()
    conn = await _open(fake)
    session = await conn.create_session(keepalive_s=0)
    handle = await session.attach("janus.plugin.videoroom")
    assert (session.session_id, handle.handle_id) == (100, 200)
    assert all(r["apisecret"] == "s3" and len(r["transaction"]) == 16 for r in fake.sent)
    with pytest.raises(NoSuchRoom) as err:  # ack first, then the plugin's error event
        await handle.message({"request": "join", "room": 1})
    assert err.value.janus_code == 426
    await handle.trickle(None)  # ack is the final reply of a trickle
    assert fake.sent[-1]["candidate"] == {"completed": True}
    await conn.aclose()


async def test_core_error_maps_to_souk_error() -> None:
    fake = FakeJanus(lambda r: [{"janus": "error", "transaction": r["transaction"],
                                 "error": {"code": 403, "reason": "Unauthorized request (wrong or missing secret)"}}])
    conn = await _open(fake)
    with pytest.raises(JanusUnauthorized) as err:
        await conn.create_session()
    assert isinstance(err.value, PermissionError) and err.value.janus_code == 403
    await conn.aclose()


async def test_request_times_out_on_the_clock_and_late_reply_is_ignored() -> None:
    clock = ManualClock()
    fake = FakeJanus(lambda r: [])  # Janus never answers
    conn = await _open(fake, clock)
    task = asyncio.ensure_future(conn.create_session())
    await _settle()  # let the request register its timer
    await clock.advance(4.9)
    assert not task.done()
    await clock.advance(0.2)
    with pytest.raises(Timeout, match="janus create"):
        await task
    assert isinstance(task.exception(), TimeoutError)
    fake.push({"janus": "success", "transaction": fake.sent[0]["transaction"], "data": {"id": 1}})
    await asyncio.sleep(0)
    assert conn._pending == {} and conn.is_open
    await conn.aclose()


async def test_a_handle_detached_just_before_its_session_timed_out_ends_as_session_timeout() -> None:
    fake = FakeJanus()
    conn = await _open(fake)
    handle = await (await conn.create_session(keepalive_s=0)).attach("janus.plugin.videoroom")
    fake.push({"janus": "detached", "session_id": 100, "sender": 200})  # Janus's threads: this one first
    fake.push({"janus": "timeout", "session_id": 100})
    assert await handle.next(1.0) == HandleGone("session_timeout")
    await conn.aclose()


async def test_async_events_reach_their_handle_and_detached_ends_it() -> None:
    fake = FakeJanus()
    clock = ManualClock()
    conn = await _open(fake, clock)
    handle = await (await conn.create_session(keepalive_s=0)).attach("janus.plugin.videoroom")
    fake.push({"janus": "webrtcup", "session_id": 100, "sender": 200})
    fake.push({"janus": "media", "session_id": 100, "sender": 999, "type": "video", "receiving": True})  # other
    fake.push({"janus": "media", "session_id": 100, "sender": 200, "type": "video", "receiving": True})
    fake.push({"janus": "detached", "session_id": 100, "sender": 200})
    assert isinstance(await handle.next(1.0), m.WebrtcUpMsg)
    assert isinstance(await handle.next(1.0), m.MediaMsg)
    await clock.advance(DETACHED_GRACE_S)  # no session timeout came meanwhile: Janus detached this handle alone
    assert await handle.next(1.0) == HandleGone("detached")
    assert not handle.alive
    with pytest.raises(SessionGone):
        await handle.message({"request": "leave"})
    await handle.detach()  # idempotent, quiet
    await conn.aclose()


async def test_handle_queue_is_bounded_dropping_oldest() -> None:
    fake = FakeJanus()
    conn = await _open(fake)
    handle = await (await conn.create_session(keepalive_s=0)).attach("janus.plugin.videoroom")
    for i in range(HANDLE_QUEUE_LIMIT + 10):
        fake.push({"janus": "slowlink", "session_id": 100, "sender": 200, "lost": i})
    await asyncio.sleep(0.05)
    assert handle.dropped == 10
    first = await handle.next(1.0)
    assert isinstance(first, m.SlowLinkMsg) and first.lost == 10
    await conn.aclose()


async def test_connection_loss_fails_pending_and_ends_handles() -> None:
    fake = FakeJanus(lambda r: standard(r) if r["janus"] != "info" else [])
    conn = await _open(fake)
    handle = await (await conn.create_session(keepalive_s=0)).attach("janus.plugin.videoroom")
    pending = asyncio.ensure_future(conn.info())
    await asyncio.sleep(0)
    fake.push(_CLOSE)
    with pytest.raises(Unavailable, match="lost"):
        await pending
    assert await handle.next(1.0) == HandleGone("node_lost")
    assert not conn.is_open and conn.sessions == {}
    with pytest.raises(Unavailable, match="closed"):
        await conn.info()
    await conn.aclose()
    await conn.aclose()


async def test_bad_frames_are_counted_and_fail_only_their_transaction() -> None:
    fake = FakeJanus(lambda r: [])
    conn = await _open(fake)
    fake.push("{{{ not json")
    fake.push(b"\x00\xff")
    task = asyncio.ensure_future(conn.info())
    await asyncio.sleep(0)
    tx = fake.sent[-1]["transaction"]
    fake.push(json.dumps({"janus": "server_info", "transaction": tx, "version": "not-a-number"}))
    with pytest.raises(m.BadMessage):
        await task
    assert conn.bad_frames == 3 and conn.is_open
    fake.responder = standard
    assert (await conn.info()).name == "fake"  # the connection still works
    await conn.aclose()


async def test_keepalive_on_the_clock_and_session_expiry_ends_handles() -> None:
    clock = ManualClock()
    expired = False

    def responder(r: dict[str, Any]) -> list[Any]:
        if r["janus"] == "keepalive" and expired:
            return [{"janus": "error", "transaction": r["transaction"], "error": {"code": 458, "reason": "gone"}}]
        return standard(r)

    fake = FakeJanus(responder)
    conn = await _open(fake, clock)
    session = await conn.create_session(keepalive_s=25)
    handle = await session.attach("janus.plugin.videoroom")
    await clock.advance(25)
    await clock.advance(25)
    assert [r["janus"] for r in fake.sent].count("keepalive") == 2
    expired = True
    await clock.advance(25)
    assert await handle.next(1.0) == HandleGone("session_timeout")
    assert not session.alive
    await session.destroy()  # quiet when already gone
    await conn.aclose()


async def test_destroy_session_detaches_handles_first() -> None:
    fake = FakeJanus()
    conn = await _open(fake)
    session = await conn.create_session(keepalive_s=0)
    await session.attach("janus.plugin.videoroom")
    await session.destroy()
    assert [r["janus"] for r in fake.sent][-2:] == ["detach", "destroy"]
    await session.destroy()
    assert [r["janus"] for r in fake.sent].count("destroy") == 1
    await conn.aclose()


async def test_cancelled_wait_for_an_event_does_not_swallow_the_next_one() -> None:
    fake = FakeJanus()
    conn = await _open(fake)
    handle = await (await conn.create_session(keepalive_s=0)).attach("janus.plugin.videoroom")
    waiter = asyncio.ensure_future(handle.next(timeout=30))
    await _settle()
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    fake.push({"janus": "webrtcup", "session_id": 100, "sender": 200})
    assert isinstance(await handle.next(1.0), m.WebrtcUpMsg)
    await conn.aclose()
