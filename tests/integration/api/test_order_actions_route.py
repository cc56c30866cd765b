"""GET /v1/orders/{order_id}/actions on a real Souk: the audit of an order's actions and its RMAs, for the
merchant's API key and staff tokens only; a shopper's token is refused, an unknown order is 404."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from souk.domain.order_actions import ActionKind, ActionRequest, RmaDraft
from tests.fixtures.browser import Souk, running_souk

FEATURES = ("souk.api.routes.orders",)


@pytest.fixture
async def souk(tmp_path: Path) -> AsyncIterator[Souk]:
    async with running_souk(tmp_path, features=FEATURES) as s:
        yield s


def token(souk: Souk, identity: str, role: str, room: str = "*") -> str:
    return str(souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity=identity, room=room, role=role))


async def test_staff_read_an_orders_actions_and_returns(souk: Souk) -> None:
    repo = souk.ctx.storage.order_actions
    await repo.resend_tracking(souk.merchant_id, ActionRequest(
        kind=ActionKind.RESEND_TRACKING, order_id="1002", idempotency_key="k1", actor="C-511", channel="text",
        conversation_id="conv-9", customer_id="C-511"))
    await repo.start_return(souk.merchant_id, ActionRequest(
        kind=ActionKind.RETURN, order_id="1008", idempotency_key="k2", actor="C-515", channel="voice",
        customer_id="C-515"), RmaDraft(lines=({"sku": "HM-5001", "qty": 1},), refund_amount=Decimal("45.00")))
    async with httpx.AsyncClient(base_url=souk.base_url) as c:
        for bearer in (souk.api_key, token(souk, "ana", "agent"), token(souk, "boss", "host")):
            r = await c.get("/v1/orders/1002/actions", headers={"Authorization": f"Bearer {bearer}"})
            assert r.status_code == 200, r.text
            [row] = r.json()["actions"]
            assert (row["kind"], row["status"], row["actor"], row["conversation_id"], row["channel"]) == (
                "resend_tracking", "done", "C-511", "conv-9", "text")
            assert row["details"]["tracking_number"] and r.json()["returns"] == []
        auth = {"Authorization": f"Bearer {souk.api_key}"}
        body = (await c.get("/v1/orders/%231008/actions", headers=auth)).json()
        [rma] = body["returns"]
        assert body["order_id"] == "1008" and rma["id"].startswith("RMA-") and rma["refund_amount"] == "45.00"
        assert rma["label_ref"] is None and body["actions"][0]["kind"] == "return"
        missing = await c.get("/v1/orders/404404/actions", headers=auth)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "order_not_found"
        shopper = await c.get("/v1/orders/1002/actions",
                              headers={"Authorization": f"Bearer {token(souk, 'C-511', 'member', 'lobby')}"})
        assert shopper.status_code == 403 and shopper.json()["error"]["code"] == "staff_only"
        assert (await c.get("/v1/orders/1002/actions")).status_code == 401
        assert (await c.get("/v1/orders/1002/actions?limit=0", headers=auth)).status_code in (400, 422)


async def test_a_shoppers_yes_cancels_and_staff_see_it_on_the_timeline_and_the_audit(tmp_path: Path) -> None:
    features = ("souk.api.routes.agent", "souk.api.routes.desk", "souk.api.routes.orders")
    async with running_souk(tmp_path, features=features) as souk, \
            httpx.AsyncClient(base_url=souk.base_url, timeout=180) as c:
        shopper = {"Authorization": f"Bearer {token(souk, 'C-517', 'member', 'lobby')}"}
        sid = (await c.post("/v1/agent/sessions", json={}, headers=shopper)).json()["session_id"]
        offer = (await c.post(f"/v1/agent/sessions/{sid}/messages", json={"text": "Please cancel order 1001"},
                              headers=shopper)).json()
        assert "1001" in offer["text"] and "yes" in offer["text"]
        done = (await c.post(f"/v1/agent/sessions/{sid}/messages", json={"text": "yes"}, headers=shopper)).json()
        assert done["text"].startswith("Done"), done
        assert (await souk.ctx.storage.orders.get(souk.merchant_id, "1001")).status.value == "cancelled"
        staff = {"Authorization": f"Bearer {token(souk, 'ana', 'agent')}"}
        timeline = (await c.get(f"/v1/desk/conversations/{sid}", headers=staff)).json()
        tools = [t for e in timeline["events"] if e.get("kind") == "ai_message" for t in e.get("tools", [])]
        assert any("cancel_order(order_id=1001" in str(t) for t in tools), tools
        audit = (await c.get("/v1/orders/1001/actions", headers=staff)).json()["actions"]
        assert [(a["kind"], a["status"], a["actor"], a["conversation_id"]) for a in audit] == [
            ("cancel", "done", "C-517", sid)]
