"""The synchronous client (generated from the async one) against the same real Souk: the same calls block
their caller and answer the same types and errors."""

from __future__ import annotations

import pytest
from souk_client import Conflict, Forbidden, NotFound, Souk, construct_event

from tests.sdk.conftest import LiveSouk
from tests.sdk.receiver import Receiver


def test_sync_tokens_rooms_and_a_consult(live_souk: LiveSouk) -> None:
    with Souk(live_souk.url, api_key=live_souk.api_key) as souk:
        room = souk.rooms.create("consult", room_id="sdk-sync-room")
        assert room["status"] == "open"
        with pytest.raises(Conflict) as taken:
            souk.rooms.create("consult", room_id="sdk-sync-room")
        assert taken.value.code == "room_exists"
        assert souk.rooms.close("sdk-sync-room")["status"] == "closed"
        shopper = souk.with_credential(souk.tokens.mint(identity="sync-shopper", room="lobby", role="member")["token"])
        staff = souk.with_credential(souk.tokens.mint(identity="sync-seller", room="*", role="agent")["token"])
        rung = shopper.consults.request(product_sku="AP-1001", language="es")
        call_id = rung["call"]["call_id"]
        with pytest.raises(Forbidden):
            shopper.consults.list()
        assert staff.consults.decline(call_id)["call"]["state"] in ("declined", "ended")
        with pytest.raises(NotFound) as missing:
            staff.consults.get("call_nope")
        assert missing.value.code == "unknown_call"


def test_sync_webhook_verified(live_souk: LiveSouk) -> None:
    with Souk(live_souk.url, api_key=live_souk.api_key) as souk, Receiver() as receiver:
        made = souk.webhooks.create(url=receiver.url, events=["order.created"],
                                    secret="sdk-sync-secret-0123456789")
        assert made["secret"] == "sdk-sync-secret-0123456789"
        attempt = souk.webhooks.send_test(made["id"])
        assert attempt["ok"] and receiver.arrived.wait(5)
        headers, raw = receiver.received[-1]
        event = construct_event("sdk-sync-secret-0123456789", headers, raw)
        assert event.type == "webhook.test" and event.id == headers["Souk-Event-Id"]
        souk.webhooks.delete(made["id"])


def test_a_credential_view_shares_the_pool_and_leaves_it_open(live_souk: LiveSouk) -> None:
    with Souk(live_souk.url, api_key=live_souk.api_key) as souk:
        token = souk.tokens.mint(identity="view-user", room="lobby", role="member")["token"]
        with souk.with_credential(token) as shopper:
            assert shopper.credential == token and souk.credential == live_souk.api_key
        assert souk.rooms.list(limit=1) is not None  # closing the view left the pool open
    with pytest.raises(RuntimeError):
        souk.rooms.list()  # closed with its `with`
