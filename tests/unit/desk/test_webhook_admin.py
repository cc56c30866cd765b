"""WebhookAdmin's rules on in-memory stores, and which receiver hosts are refused (no network)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from souk.core.clock import ManualClock
from souk.core.errors import Conflict, NotFound
from souk.desk.webhook_admin import WebhookAdmin, check_public_host, generate_secret, secret_hint
from souk.desk.webhook_dispatch import Dispatcher
from souk.desk.webhook_signing import SIGNATURE_HEADER, verify
from souk.desk.webhook_store import MemoryDeliveryStore, MemoryEndpoints
from souk.desk.webhooks import InvalidEndpoint

PRIVATE = ["https://localhost/h", "https://LOCALHOST./h", "https://shop.localhost/h", "https://127.0.0.1/h",
           "https://127.1/h", "https://2130706433/h", "https://0x7f000001/h", "https://0/h", "https://[::1]/h",
           "https://[::ffff:10.0.0.5]/h", "https://10.0.0.5/h", "https://172.16.3.4/h", "https://192.168.1.1/h",
           "https://169.254.169.254/h", "https://100.64.1.1/h", "https://[fe80::1]/h", "https://[fd12::1]/h"]
PUBLIC = ["https://shop.example/h", "https://8.8.8.8/h", "https://[2001:4860:4860::8888]/h", "https://a1.b-2.io:8443/h"]


@pytest.mark.parametrize("url", PRIVATE)
def test_private_and_loopback_receivers_are_refused(url: str) -> None:
    with pytest.raises(InvalidEndpoint) as caught:
        check_public_host(url, allow_local_http=False)
    assert caught.value.code == "webhook_url_private"


@pytest.mark.parametrize("url", PUBLIC)
def test_public_receivers_pass(url: str) -> None:
    check_public_host(url, allow_local_http=False)


def test_local_hosts_pass_only_when_allowed() -> None:
    for url in ("http://127.0.0.1:9000/h", "http://localhost/h", "http://[::1]:80/h"):
        check_public_host(url, allow_local_http=True)
    with pytest.raises(InvalidEndpoint):
        check_public_host("https://10.0.0.5/h", allow_local_http=True)  # local means this machine only


def test_secrets() -> None:
    a, b = generate_secret(), generate_secret()
    assert a != b and a.startswith("whsec_") and len(a) == 6 + 43
    assert secret_hint(a) == "…" + a[-4:]


@pytest.fixture
async def admin() -> AsyncIterator[WebhookAdmin]:
    got: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        got.append(request)
        return httpx.Response(204)

    endpoints, store = MemoryEndpoints(), MemoryDeliveryStore()
    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    d = Dispatcher(endpoints, store, clock=ManualClock(), client=client)
    yield WebhookAdmin(endpoints, store, d, max_endpoints=3)
    await d.aclose()
    await client.aclose()


async def test_http_receivers_need_the_setting(admin: WebhookAdmin) -> None:
    with pytest.raises(InvalidEndpoint) as caught:
        await admin.create("m1", url="http://127.0.0.1:9000/h", events=["handoff"])
    assert caught.value.code == "webhook_url"
    assert await admin.endpoints("m1") == []


async def test_the_limit_holds_when_creates_race(admin: WebhookAdmin) -> None:
    results = await asyncio.gather(*(admin.create("m1", url=f"https://s{i}.example/h", events=["csat"])
                                     for i in range(8)), return_exceptions=True)
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 5 and all(r.code == "webhook_limit" for r in refused)
    assert len(await admin.endpoints("m1")) == 3
    await admin.create("m2", url="https://s.example/h", events=["csat"])  # the limit is per merchant


async def test_update_rotate_delete_and_merchant_scope(admin: WebhookAdmin) -> None:
    made = await admin.create("m1", url="https://s.example/h", events=["csat"], secret="x" * 16)
    wid = made.endpoint.id
    for call in (admin.get("m2", wid), admin.update("m2", wid, active=False), admin.rotate_secret("m2", wid),
                 admin.delete("m2", wid), admin.send_test("m2", wid), admin.deliveries("m2", wid)):
        with pytest.raises(NotFound) as caught:
            await call
        assert caught.value.code == "webhook_endpoint_not_found"
    changed = await admin.update("m1", wid, events=["closed", "handoff"])
    assert changed.secret == "x" * 16 and changed.url == made.endpoint.url and changed.active
    rotated = await admin.rotate_secret("m1", wid)
    assert rotated.secret != "x" * 16 and (await admin.get("m1", wid)).secret == rotated.secret
    attempt = await admin.send_test("m1", wid)
    assert attempt.ok and attempt.status_code == 204
    delivery, attempts = await admin.delivery("m1", wid, attempt.delivery_id)
    assert attempts == [attempt] and delivery.endpoint_id == wid
    with pytest.raises(NotFound):
        await admin.delivery("m2", wid, attempt.delivery_id)
    await admin.delete("m1", wid)
    with pytest.raises(NotFound):
        await admin.delete("m1", wid)


async def test_test_event_is_signed_with_the_current_secret() -> None:
    seen: list[httpx.Request] = []
    clock = ManualClock()
    endpoints, store = MemoryEndpoints(), MemoryDeliveryStore()
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200))) as c:
        d = Dispatcher(endpoints, store, clock=clock, client=c)
        admin = WebhookAdmin(endpoints, store, d)
        made = await admin.create("m1", url="https://s.example/h", events=["handoff"])
        await admin.send_test("m1", made.endpoint.id)
        verify(made.secret, seen[0].headers[SIGNATURE_HEADER], seen[0].content, now=clock.wall())
        await d.aclose()
