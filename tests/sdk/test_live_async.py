"""The async client against a real Souk (tests/sdk/conftest.py): tokens, rooms, a consult lifecycle, a webhook
delivered to a local receiver and verified with the SDK, the operator API, errors carrying their codes."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from souk_client import (
    AsyncSouk,
    ConfigError,
    Conflict,
    Forbidden,
    InvalidSignature,
    NotFound,
    RetryPolicy,
    ServerError,
    Unauthenticated,
    Unprocessable,
    construct_event,
    verify_signature,
)
from souk_client.codes import UnknownRoom

from tests.sdk.conftest import LiveSouk
from tests.sdk.receiver import Receiver

FAST = RetryPolicy(max_retries=0)


async def test_tokens_mint_and_revoke(live_souk: LiveSouk) -> None:
    async with AsyncSouk(live_souk.url, api_key=live_souk.api_key) as souk:
        minted = await souk.tokens.mint(identity="shopper-a", room="lobby", role="member", name="Ana", ttl_s=600)
        assert (minted["identity"], minted["room"], minted["role"]) == ("shopper-a", "lobby", "member")
        assert minted["merchant_id"] == live_souk.merchant_id and 590 <= minted["expires_in"] <= 600
        shopper = souk.with_credential(minted["token"])
        call = await shopper.consults.request(product_sku="AP-1002")  # the token works
        assert call["token"] is not None
        await souk.with_credential(call["token"]).consults.hangup(call["call"]["call_id"])  # the call's room
        revoked = await souk.tokens.revoke(jti=minted["jti"])
        assert revoked["jti"] == minted["jti"] and revoked["revoked"] is True
        assert (await souk.tokens.revoke(token=minted["token"]))["revoked"] is False  # already was
        with pytest.raises(Forbidden) as refused:
            await shopper.consults.request(product_sku="AP-1002")
        assert refused.value.status == 403 and refused.value.code == "token_revoked"
        with pytest.raises(NotFound) as unknown:
            await souk.tokens.revoke(jti="not-a-token-of-ours")
        assert unknown.value.code == "token_not_found" and isinstance(unknown.value, LookupError)


async def test_a_wrong_api_key_is_unauthenticated_with_its_code(live_souk: LiveSouk) -> None:
    async with AsyncSouk(live_souk.url, api_key="sk_0000_not-a-key", retry=FAST) as souk:
        with pytest.raises(Unauthenticated) as refused:
            await souk.rooms.list()
    assert refused.value.code in ("bad_api_key", "api_key_invalid", "api_key_unknown")
    assert refused.value.status == 401 and refused.value.method == "GET"
    assert refused.value.request_id is not None and refused.value.request_id.startswith("req_sdk_")


async def test_a_callers_request_id_reaches_the_server_and_comes_back_on_the_error(live_souk: LiveSouk) -> None:
    async with AsyncSouk(live_souk.url, api_key=live_souk.api_key) as souk:
        with pytest.raises(NotFound) as missing:
            await souk.request("GET", "/v1/rooms/sdk-traced", request_id="trace-4711")
    assert missing.value.code == "unknown_room" and missing.value.request_id == "trace-4711"


async def test_rooms_create_get_list_participants_close(live_souk: LiveSouk) -> None:
    async with AsyncSouk(live_souk.url, api_key=live_souk.api_key) as souk:
        room = await souk.rooms.create("consult", room_id="sdk-room-1", metadata={"sku": "AP-1001"})
        assert (room["id"], room["kind"], room["status"], room["metadata"]) == (
            "sdk-room-1", "consult", "open", {"sku": "AP-1001"})
        with pytest.raises(Conflict) as taken:
            await souk.rooms.create("consult", room_id="sdk-room-1")
        assert taken.value.code == "room_exists" and taken.value.status == 409
        assert (await souk.rooms.get("sdk-room-1"))["id"] == "sdk-room-1"
        assert "sdk-room-1" in [r["id"] for r in await souk.rooms.list(status="open", kind="consult")]
        assert await souk.rooms.participants("sdk-room-1") == []
        closed = await souk.rooms.close("sdk-room-1")
        assert closed["status"] == "closed" and closed["closed_at"] is not None
        assert "sdk-room-1" not in [r["id"] for r in await souk.rooms.list(status="open")]
        with pytest.raises(UnknownRoom) as missing:  # the code's own class, a NotFound
            await souk.rooms.get("sdk-no-such-room")
        assert missing.value.code == "unknown_room" and isinstance(missing.value, NotFound)
        with pytest.raises(ValueError):
            await souk.rooms.get("")  # refused before any request: an empty id would name another route


async def test_a_consult_lifecycle(live_souk: LiveSouk) -> None:
    async with AsyncSouk(live_souk.url, api_key=live_souk.api_key) as souk:
        shopper_token = await souk.tokens.mint(identity="shopper-consult", room="lobby", role="member")
        staff_token = await souk.tokens.mint(identity="seller-sdk", room="*", role="agent", name="Sam")
        shopper, staff = souk.with_credential(shopper_token["token"]), souk.with_credential(staff_token["token"])
        rung = await shopper.consults.request(product_sku="AP-1002", language="en", name="Ana")
        call = rung["call"]
        assert call["state"] == "ringing" and rung["token"]
        with pytest.raises(Forbidden) as not_staff:
            await shopper.consults.accept(call["call_id"])
        assert not_staff.value.code in ("staff_only", "not_host", "wrong_room")
        assert call["call_id"] in [a["call_id"] for a in (await staff.consults.list())["active"]]
        accepted = await staff.consults.accept(call["call_id"])
        assert accepted["call"]["state"] == "accepted" and accepted["token"]
        assert (await staff.consults.get(call["call_id"]))["call"]["state"] == "accepted"
        in_call = souk.with_credential(rung["token"])  # the shopper's token for the call's room
        ended = await in_call.consults.hangup(call["call_id"])
        assert ended["call"]["state"] == "ended"
        recent = (await staff.consults.list(limit=5))["recent"]
        mine = next(r for r in recent if r["id"] == call["call_id"])
        assert mine["outcome"] == "completed" and mine["seller"] == "seller-sdk" and mine["product_sku"] == "AP-1002"
        with pytest.raises(NotFound) as gone:
            await staff.consults.get("call_does_not_exist")
        assert gone.value.code == "unknown_call"


async def test_a_webhook_is_delivered_and_verified_with_the_sdk(live_souk: LiveSouk) -> None:
    async with AsyncSouk(live_souk.url, api_key=live_souk.api_key) as souk:
        with Receiver() as receiver:
            made = await souk.webhooks.create(url=receiver.url, events=["handoff", "call.ended"])
            secret, hook = made["secret"], made["id"]
            assert made["secret_hint"].endswith(secret[-4:]) and "secret" not in await souk.webhooks.get(hook)
            attempt = await souk.webhooks.send_test(hook)
            assert attempt["ok"] is True and attempt["status_code"] == 200, attempt
            assert receiver.arrived.wait(5)
            headers, raw = receiver.received[-1]
            event = construct_event(secret, headers, raw)
            assert event.type == "webhook.test" and event.merchant_id == live_souk.merchant_id
            assert abs(event.timestamp - time.time()) < 60
            assert headers["Souk-Event-Id"] == event.id and headers["Souk-Delivery"] == attempt["delivery_id"]
            with pytest.raises(InvalidSignature) as wrong:
                verify_signature("another-secret-0123456789", headers["Souk-Signature"], raw)
            assert wrong.value.code == "signature_mismatch"
            tampered = raw.replace(b"webhook.test", b"webhook.tost")
            with pytest.raises(InvalidSignature):
                construct_event(secret, headers, tampered)
            # rotation: the new secret signs from now on; verifying with [old, new] accepts both deliveries
            rotated = (await souk.webhooks.rotate_secret(hook))["secret"]
            receiver.arrived.clear()
            again = await souk.webhooks.retry_delivery(hook, attempt["delivery_id"])
            assert again["ok"] is True and receiver.arrived.wait(5)
            new_headers, new_raw = receiver.received[-1]
            assert construct_event([secret, rotated], new_headers, new_raw).id == event.id
            with pytest.raises(InvalidSignature):
                verify_signature(secret, new_headers["Souk-Signature"], new_raw)
            detail = await souk.webhooks.delivery(hook, attempt["delivery_id"])
            assert detail["payload"] == json.loads(raw) and len(detail["attempts"]) == 2
            assert [d["id"] for d in await souk.webhooks.deliveries(hook)] == [attempt["delivery_id"]]
            updated = await souk.webhooks.update(hook, active=False)
            assert updated["active"] is False and hook in [w["id"] for w in await souk.webhooks.list()]
            await souk.webhooks.delete(hook)
            with pytest.raises(NotFound) as deleted:
                await souk.webhooks.get(hook)
            assert deleted.value.code == "webhook_endpoint_not_found"


async def test_merchants_through_the_operator_api(live_souk: LiveSouk) -> None:
    async with AsyncSouk(live_souk.url, operator_token=live_souk.operator_token) as op:
        made = await op.merchants.create(id="sdk-shop", name="SDK Shop", currency="USD", region="eu",
                                         languages=["en", "es"], country="ES")
        assert made["merchant"]["id"] == "sdk-shop" and made["api_key"].startswith("sk_")
        with pytest.raises(Conflict) as twice:
            await op.merchants.create(id="sdk-shop", name="SDK Shop", currency="USD", region="eu")
        assert twice.value.code == "merchant_exists"
        assert "sdk-shop" in [m["id"] for m in await op.merchants.list()]
        store = await op.merchants.export_store(live_souk.merchant_id)  # the demo store as a store file
        store["store"]["id"] = "sdk-shop"
        imported = await op.merchants.import_store("sdk-shop", store)
        assert imported["merchant_id"] == "sdk-shop" and imported["imported"]
        again = await op.merchants.export_store("sdk-shop")
        assert {p["sku"] for p in again["products"]} == {p["sku"] for p in store["products"]}
        store["store"]["currency"] = "EUR"
        with pytest.raises(Unprocessable) as invalid:  # nothing changes; every problem with its JSON path
            await op.merchants.import_store("sdk-shop", store)
        assert invalid.value.code == "store_invalid"
        assert "$.store.currency" in [p["path"] for p in invalid.value.details["problems"]]
        key = await op.merchants.issue_key("sdk-shop", label="backend")
        assert len(await op.merchants.keys("sdk-shop")) == 2
        # the new merchant's own key works, and sees none of the demo merchant's rooms
        async with AsyncSouk(live_souk.url, api_key=key["api_key"]) as shop:
            assert await shop.rooms.list() == []
            await op.merchants.revoke_key("sdk-shop", key["key_id"])
            with pytest.raises(Unauthenticated):
                await shop.rooms.list()
    async with AsyncSouk(live_souk.url, operator_token="wrong-operator-token") as wrong:
        with pytest.raises(Unauthenticated) as refused:
            await wrong.merchants.list()
        assert refused.value.code == "operator_token_invalid"


async def test_concurrent_calls_share_one_client(live_souk: LiveSouk) -> None:
    async with AsyncSouk(live_souk.url, api_key=live_souk.api_key) as souk:
        minted = await asyncio.gather(*(souk.tokens.mint(identity=f"u{i}", room="lobby", role="member")
                                        for i in range(10)))
    assert sorted(m["identity"] for m in minted) == sorted(f"u{i}" for i in range(10))


async def test_a_consults_own_events_arrive_signed_and_verify_with_the_sdk(live_souk: LiveSouk) -> None:
    """Not the test button: the events a consult lifecycle makes (conversation.created, call.started,
    call.ended) reach the merchant's receiver, each verified with the SDK."""
    async with AsyncSouk(live_souk.url, api_key=live_souk.api_key) as souk:
        with Receiver() as receiver:
            hook = await souk.webhooks.create(url=receiver.url, events=[
                "conversation.created", "call.started", "call.ended"])
            shopper = souk.with_credential((await souk.tokens.mint(identity="shopper-hooked", room="lobby",
                                                                   role="member"))["token"])
            staff = souk.with_credential((await souk.tokens.mint(identity="seller-hooked", room="*",
                                                                 role="agent"))["token"])
            rung = await shopper.consults.request(product_sku="AP-1001")
            call_id = rung["call"]["call_id"]
            await staff.consults.accept(call_id)
            assert rung["token"] is not None
            await souk.with_credential(rung["token"]).consults.hangup(call_id)
            deadline = time.monotonic() + 30  # a busy machine: a first attempt may time out, retried in 0.5 s
            while len({h["Souk-Event-Id"] for h, _ in receiver.received}) < 3 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await souk.webhooks.delete(hook["id"])
        events = {e.type: e for e in (construct_event(hook["secret"], h, raw) for h, raw in receiver.received)}
    assert set(events) == {"conversation.created", "call.started", "call.ended"}, receiver.received
    assert events["call.started"].data["call_id"] == call_id
    assert events["call.ended"].data["call_id"] == call_id and events["call.ended"].data["outcome"] == "completed"
    assert events["conversation.created"].data["conversation"]["shopper"] == "shopper-hooked"
    assert {e.merchant_id for e in events.values()} == {live_souk.merchant_id}


async def test_client_side_refusals_and_a_page_that_is_not_json(live_souk: LiveSouk) -> None:
    async with AsyncSouk(live_souk.url, api_key=live_souk.api_key) as souk:
        with pytest.raises(ConfigError) as no_operator:
            await souk.merchants.list()  # no request: the client has no operator token
        assert no_operator.value.code == "operator_token_missing"
        with pytest.raises(ValueError):
            await souk.tokens.revoke()  # neither jti nor token
        with pytest.raises(ServerError) as page:
            await souk.request("GET", "/docs")  # Swagger UI's HTML, 200: not an API answer
        assert page.value.code == "bad_answer" and page.value.status == 200 and page.value.request_id
