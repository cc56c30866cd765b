"""The merchant's webhook API on a real Souk (uvicorn) against a real HTTP receiver on 127.0.0.1.

The receiver verifies every signature with souk.desk.webhook_signing.verify, as a merchant's server would.
Retries run on the wall clock with a short schedule from the settings (webhooks.retry_base_s), so a receiver
that is down and comes back is delivered to within a second or two.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from souk.core.ids import new_id
from souk.desk.webhook_signing import SIGNATURE_HEADER, InvalidSignature, verify
from souk.desk.webhooks import EventType, WebhookEvent
from souk.domain.desk.timeline import Channel
from souk.storage.onboarding import MerchantSpec, Onboarding
from tests.fixtures.browser import Souk, free_port, running_souk

FEATURES = ("souk.api.routes.webhooks",)
MAX_ENDPOINTS = 4
OTHER = "acme"  # a second merchant: sees nothing of the demo merchant's webhooks


@dataclass
class Receiver:
    """A merchant's webhook receiver on 127.0.0.1: answers ``status`` and keeps what it got."""

    port: int = field(default_factory=free_port)
    status: int = 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        return web.Response(status=self.status, text=f"receiver says {self.status}")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    def verified(self, secret: str) -> list[dict[str, Any]]:
        """Every body received, each checked against ``secret`` (raises InvalidSignature on a bad one)."""
        out = []
        for headers, body in self.received:
            verify(secret, headers.get(SIGNATURE_HEADER), body)
            out.append(json.loads(body))
        return out


@pytest.fixture
async def souk(tmp_path: Path) -> AsyncIterator[Souk]:
    async with running_souk(tmp_path / "souk", features=FEATURES, webhooks={
            "allow_local_http": True, "retry_base_s": 0.2, "retry_cap_s": 0.4, "timeout_s": 2.0,
            "max_endpoints": MAX_ENDPOINTS}) as s:
        assert s.ctx.webhooks is not None  # serving the webhook routes runs them (souk.api.app)
        yield s


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


def client(souk: Souk, credential: str | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=souk.base_url, timeout=15,
                             headers={"Authorization": f"Bearer {credential or souk.api_key}"})


def staff(souk: Souk, merchant: str | None = None, role: str = "host") -> str:
    return str(souk.ctx.tokens.mint(merchant_id=merchant or souk.merchant_id, identity="staff-1", room="*",
                                    role=role))


def ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text}"
    return r.json() if r.content else None


def refused(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text}"
    body: dict[str, Any] = r.json()
    assert body["error"]["code"] == code, body
    return body


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_endpoint_life_cycle_shows_the_secret_only_once(souk: Souk, receiver: Receiver) -> None:
    async with client(souk) as c:
        made = ok(await c.post("/v1/webhooks", json={"url": receiver.url, "events": ["handoff", "closed"]}), 201)
        secret = made["secret"]
        assert secret.startswith("whsec_") and len(secret) >= 40
        assert made["secret_hint"] == "…" + secret[-4:] and made["active"] is True
        assert made["events"] == ["closed", "handoff"] and made["url"] == receiver.url
        wid = made["id"]
        listed = await c.get("/v1/webhooks")
        assert ok(listed)["webhooks"] == [{k: v for k, v in made.items() if k != "secret"}]
        got = await c.get(f"/v1/webhooks/{wid}")
        assert secret not in listed.text and secret not in got.text and ok(got)["secret_hint"] == made["secret_hint"]

        own = ok(await c.post("/v1/webhooks", json={"url": receiver.url, "events": ["csat"],
                                                    "secret": "my-own-secret-0123456789"}), 201)
        assert own["secret"] == "my-own-secret-0123456789" and own["secret_hint"] == "…6789"

        changed = ok(await c.patch(f"/v1/webhooks/{wid}", json={"events": ["order.created"], "active": False}))
        assert changed["events"] == ["order.created"] and changed["active"] is False
        assert changed["url"] == receiver.url and changed["secret_hint"] == made["secret_hint"]
        assert ok(await c.patch(f"/v1/webhooks/{wid}", json={}))["active"] is False  # nothing given, nothing changed

        rotated = ok(await c.post(f"/v1/webhooks/{wid}/rotate-secret"))
        assert rotated["secret"] != secret and rotated["secret_hint"] == "…" + rotated["secret"][-4:]
        assert ok(await c.get(f"/v1/webhooks/{wid}"))["secret_hint"] == rotated["secret_hint"]

    async with client(souk, staff(souk, role="agent")) as c:  # a desk agent's staff token manages them too
        assert {w["id"] for w in ok(await c.get("/v1/webhooks"))["webhooks"]} == {wid, own["id"]}
        assert ok(await c.delete(f"/v1/webhooks/{wid}"), 204) is None
        refused(await c.get(f"/v1/webhooks/{wid}"), 404, "webhook_endpoint_not_found")
        refused(await c.delete(f"/v1/webhooks/{wid}"), 404, "webhook_endpoint_not_found")
    viewer = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity="v", room="live-demo", role="audience")
    async with client(souk, str(viewer)) as c:
        refused(await c.get("/v1/webhooks"), 403, "staff_only")


async def test_test_button_sends_a_signed_event_and_logs_it(souk: Souk, receiver: Receiver) -> None:
    async with client(souk) as c:
        made = ok(await c.post("/v1/webhooks", json={"url": receiver.url, "events": ["handoff"]}), 201)
        wid, secret = made["id"], made["secret"]
        attempt = ok(await c.post(f"/v1/webhooks/{wid}/test"))
        assert attempt["ok"] is True and attempt["status_code"] == 200 and attempt["number"] == 1
        assert attempt["response"] == "receiver says 200" and attempt["error"] is None
        assert 0 < attempt["duration_ms"] < 2000
        [(headers, _)] = receiver.received
        [event] = receiver.verified(secret)
        assert event["type"] == "webhook.test" and event["merchant_id"] == souk.merchant_id
        assert headers["Souk-Event"] == "webhook.test" and headers["Souk-Delivery"] == attempt["delivery_id"]
        assert headers["Souk-Event-Id"] == event["id"]

        [logged] = ok(await c.get(f"/v1/webhooks/{wid}/deliveries"))["deliveries"]
        assert logged["id"] == attempt["delivery_id"] and logged["status"] == "delivered"
        assert logged["attempts"] == 1 and logged["last_status_code"] == 200 and logged["next_attempt_at"] is None
        detail = ok(await c.get(f"/v1/webhooks/{wid}/deliveries/{logged['id']}"))
        assert detail["payload"] == event and [a["status_code"] for a in detail["attempts"]] == [200]

        # a rotated secret signs from the next attempt on; the old one no longer verifies
        new_secret = ok(await c.post(f"/v1/webhooks/{wid}/rotate-secret"))["secret"]
        assert ok(await c.post(f"/v1/webhooks/{wid}/test"))["ok"] is True
        headers, body = receiver.received[-1]
        verify(new_secret, headers[SIGNATURE_HEADER], body)
        with pytest.raises(InvalidSignature):
            verify(secret, headers[SIGNATURE_HEADER], body)

        receiver.status = 500  # a receiver that answers an error: the button says so
        failed = ok(await c.post(f"/v1/webhooks/{wid}/test"))
        assert failed["ok"] is False and failed["status_code"] == 500 and failed["response"] == "receiver says 500"
        log = ok(await c.get(f"/v1/webhooks/{wid}/deliveries", params={"limit": 2}))["deliveries"]
        assert [d["status"] for d in log] == ["failed", "delivered"]  # newest first; a test is never retried
        assert log[0]["last_response"] == "receiver says 500"


async def test_a_receiver_that_is_down_loses_nothing(souk: Souk) -> None:
    receiver = Receiver()  # not started: its port refuses connections
    admin = souk.ctx.webhooks
    assert admin is not None
    async with client(souk) as c:
        made = ok(await c.post("/v1/webhooks", json={"url": receiver.url, "events": ["order.created"]}), 201)
        wid, secret = made["id"], made["secret"]
        down = ok(await c.post(f"/v1/webhooks/{wid}/test"))
        assert down["ok"] is False and down["status_code"] is None and "ConnectError" in down["error"]

        event = WebhookEvent(souk.merchant_id, new_id("evt"), EventType.ORDER_CREATED, time.time(),
                             {"order_id": "1001"})
        await admin.dispatcher.enqueue(event)  # what the desk and the orders do; returns at once

        async def failed_twice() -> bool:
            log = ok(await c.get(f"/v1/webhooks/{wid}/deliveries"))["deliveries"]
            return any(d["event_id"] == event.id and d["attempts"] >= 2 for d in log)

        await until(failed_twice)
        [pending] = [d for d in ok(await c.get(f"/v1/webhooks/{wid}/deliveries"))["deliveries"]
                     if d["event_id"] == event.id]
        assert pending["status"] == "pending" and pending["last_status_code"] is None
        assert "ConnectError" in pending["last_response"] and pending["next_attempt_at"] is not None

        await receiver.start()  # the receiver comes back: the next scheduled attempt delivers
        try:
            async def delivered() -> bool:
                got = ok(await c.get(f"/v1/webhooks/{wid}/deliveries/{pending['id']}"))
                return bool(got["delivery"]["status"] == "delivered")

            await until(delivered)
            detail = ok(await c.get(f"/v1/webhooks/{wid}/deliveries/{pending['id']}"))
            codes = [a["status_code"] for a in detail["attempts"]]
            assert codes[-1] == 200 and set(codes[:-1]) == {None} and len(codes) >= 3, codes
            assert [a["number"] for a in detail["attempts"]] == list(range(1, len(codes) + 1))
            bodies = receiver.verified(secret)
            assert [b["id"] for b in bodies] == [event.id] and bodies[0]["data"] == {"order_id": "1001"}

            # the failed test delivery, retried by hand now that the receiver answers
            retried = ok(await c.post(f"/v1/webhooks/{wid}/deliveries/{down['delivery_id']}/retry"))
            assert retried["ok"] is True and retried["number"] == 2
            again = ok(await c.get(f"/v1/webhooks/{wid}/deliveries/{down['delivery_id']}"))
            assert again["delivery"]["status"] == "delivered" and again["delivery"]["attempts"] == 2
            assert receiver.verified(secret)[-1]["type"] == "webhook.test"

            ok(await c.patch(f"/v1/webhooks/{wid}", json={"active": False}))
            refused(await c.post(f"/v1/webhooks/{wid}/deliveries/{down['delivery_id']}/retry"), 409,
                    "webhook_disabled")
        finally:
            await receiver.stop()


async def test_two_merchants_see_nothing_of_each_other(souk: Souk, receiver: Receiver) -> None:
    admin = souk.ctx.webhooks
    assert admin is not None
    async with client(souk) as a:
        mine = ok(await a.post("/v1/webhooks", json={"url": receiver.url, "events": ["handoff"]}), 201)
        wid = mine["id"]
        tested = ok(await a.post(f"/v1/webhooks/{wid}/test"))
    _, key = await Onboarding(souk.ctx.storage).create_merchant(MerchantSpec(OTHER, "Acme", "EUR", "eu"))
    async with client(souk, staff(souk, OTHER)) as b_staff:
        assert ok(await b_staff.get("/v1/webhooks"))["webhooks"] == []
    async with client(souk, key.key) as b:
        assert ok(await b.get("/v1/webhooks"))["webhooks"] == []
        for method, path, body in (
                ("GET", f"/v1/webhooks/{wid}", None),
                ("PATCH", f"/v1/webhooks/{wid}", {"active": False}),
                ("POST", f"/v1/webhooks/{wid}/rotate-secret", None),
                ("POST", f"/v1/webhooks/{wid}/test", None),
                ("GET", f"/v1/webhooks/{wid}/deliveries", None),
                ("GET", f"/v1/webhooks/{wid}/deliveries/{tested['delivery_id']}", None),
                ("POST", f"/v1/webhooks/{wid}/deliveries/{tested['delivery_id']}/retry", None),
                ("DELETE", f"/v1/webhooks/{wid}", None)):
            r = await b.request(method, path, json=body)
            refused(r, 404, "webhook_endpoint_not_found")
            assert receiver.url not in r.text and wid in r.request.url.path
        theirs = ok(await b.post("/v1/webhooks", json={"url": receiver.url, "events": ["handoff"]}), 201)
        # B's own endpoint with A's delivery id: still not B's delivery
        refused(await b.get(f"/v1/webhooks/{theirs['id']}/deliveries/{tested['delivery_id']}"), 404,
                "webhook_delivery_not_found")
        assert ok(await b.get(f"/v1/webhooks/{theirs['id']}/deliveries"))["deliveries"] == []
    received = len(receiver.received)
    for merchant in (souk.merchant_id, OTHER):  # one event each: each goes to its own merchant's endpoint only
        await admin.dispatcher.enqueue(WebhookEvent(merchant, new_id("evt"), EventType.HANDOFF, time.time(),
                                                    {"conversation_id": f"c-{merchant}"}))

    async def both() -> bool:
        return len(receiver.received) == received + 2

    await until(both)
    await asyncio.sleep(0.3)  # nothing else arrives
    assert len(receiver.received) == received + 2
    by_merchant = {}
    for headers, body in receiver.received[received:]:
        doc = json.loads(body)
        secret = mine["secret"] if doc["merchant_id"] == souk.merchant_id else theirs["secret"]
        verify(secret, headers[SIGNATURE_HEADER], body)  # each signed with its own merchant's secret
        by_merchant[doc["merchant_id"]] = doc["data"]["conversation_id"]
    assert by_merchant == {souk.merchant_id: f"c-{souk.merchant_id}", OTHER: f"c-{OTHER}"}
    async with client(souk) as a:  # B's requests changed nothing of A's
        assert ok(await a.get(f"/v1/webhooks/{wid}")) == {k: v for k, v in mine.items() if k != "secret"}


async def test_bad_endpoints_are_refused_with_their_code(souk: Souk, receiver: Receiver) -> None:
    good = {"url": receiver.url, "events": ["handoff"]}
    cases = [
        ({"url": "http://shop.example/hook"}, "webhook_url"),
        ({"url": "ftp://shop.example/hook"}, "webhook_url"),
        ({"url": "https://user:pw@shop.example/hook"}, "webhook_url"),
        ({"url": "https://shop.example:99999/hook"}, "webhook_url"),
        ({"url": "https://shop.example/ hook"}, "webhook_url"),
        ({"url": "not a url"}, "webhook_url"),
        ({"url": "https://10.1.2.3/hook"}, "webhook_url_private"),
        ({"url": "https://169.254.169.254/latest/meta-data"}, "webhook_url_private"),
        ({"url": "https://[fd00::1]/hook"}, "webhook_url_private"),
        ({"url": "https://192.168.0.10:8443/hook"}, "webhook_url_private"),
        ({"url": "http://192.168.1.5/hook"}, "webhook_url"),
        ({"events": []}, "webhook_event"),
        ({"events": ["handoff", "order.shipped"]}, "webhook_event"),
        ({"events": ["webhook.test"]}, "webhook_event"),
        ({"secret": "short"}, "webhook_secret"),
        ({"secret": " " * 16}, "webhook_secret"),
        ({"secret": "sixteen chars ok?"}, "webhook_secret"),
        ({"secret": "abc\u0000defghijklmnopq"}, "webhook_secret"),
        ({"secret": "ünïcödé-sëcrët-0123"}, "webhook_secret"),
    ]
    async with client(souk) as c:
        for change, code in cases:
            body = refused(await c.post("/v1/webhooks", json={**good, **change}), 400, code)
            assert body["error"]["message"], body
        refused(await c.post("/v1/webhooks", json={"url": receiver.url}), 422, "invalid_request")
        assert ok(await c.get("/v1/webhooks"))["webhooks"] == []  # nothing was made

        made = ok(await c.post("/v1/webhooks", json=good), 201)
        refused(await c.patch(f"/v1/webhooks/{made['id']}", json={"url": "https://100.64.0.1/x"}), 400,
                "webhook_url_private")
        refused(await c.patch(f"/v1/webhooks/{made['id']}", json={"events": ["nope"]}), 400, "webhook_event")
        assert ok(await c.get(f"/v1/webhooks/{made['id']}")) == {k: v for k, v in made.items() if k != "secret"}
        refused(await c.get("/v1/webhooks/we bad"), 422, "invalid_request")
        refused(await c.get("/v1/webhooks/we_nope/deliveries", params={"limit": 0}), 422, "invalid_request")
        refused(await c.get(f"/v1/webhooks/{made['id']}/deliveries/whd_nope"), 404, "webhook_delivery_not_found")

        for _ in range(MAX_ENDPOINTS - 1):
            ok(await c.post("/v1/webhooks", json=good), 201)
        refused(await c.post("/v1/webhooks", json=good), 409, "webhook_limit")
        assert len(ok(await c.get("/v1/webhooks"))["webhooks"]) == MAX_ENDPOINTS


async def test_the_desk_sends_its_events_through_the_served_webhooks(tmp_path: Path, receiver: Receiver) -> None:
    """Served together, the desk's events reach the merchant's endpoint, signed (the desk's sink is the
    dispatcher the webhook routes manage)."""
    async with running_souk(tmp_path / "desk", features=(*FEATURES, "souk.api.routes.desk"),
                            webhooks={"allow_local_http": True}) as s:
        assert s.ctx.desk is not None
        async with client(s) as c:
            made = ok(await c.post("/v1/webhooks", json={"url": receiver.url, "events": ["conversation.created"]}),
                      201)
            await s.ctx.desk.ensure(s.merchant_id, "conv-1", shopper="shopper-1", channel=Channel.ASSISTANT_TEXT,
                                    language="es")

            async def arrived() -> bool:
                return bool(receiver.received)

            await until(arrived)
            [event] = receiver.verified(made["secret"])
            assert event["type"] == "conversation.created" and event["merchant_id"] == s.merchant_id
            assert event["data"]["conversation"]["id"] == "conv-1"
            [logged] = ok(await c.get(f"/v1/webhooks/{made['id']}/deliveries"))["deliveries"]
            assert logged["event_id"] == event["id"] and logged["status"] == "delivered"
