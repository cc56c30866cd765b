"""Cases for the audit of actions on orders (GET /v1/orders/{order_id}/actions): merchant B's API key and staff
token see nothing of A's actions and returns, on an order only A has (404) or on B's own order of the same id
(B's own, empty, audit)."""

from __future__ import annotations

from decimal import Decimal

from souk.domain.order_actions import ActionKind, ActionRequest, RmaDraft
from tests.integration.tenancy.tenancy_app import A_ONLY_CUSTOMER, A_ONLY_ORDER, MARK, A, Tenancy
from tests.integration.tenancy.tenancy_registry import b_key, b_staff, clean, covers, not_found

SHARED_ORDER = "1008"  # the demo store's delivered order, which B's store has under the same id


async def _a_actions(t: Tenancy) -> None:
    """A's audit rows and an RMA (made once), each carrying the mark that B must never see."""
    if "order_actions" in t.ids:
        return
    repo = t.ctx.storage.order_actions
    await repo.resend_tracking(A, ActionRequest(
        kind=ActionKind.RESEND_TRACKING, order_id=A_ONLY_ORDER, idempotency_key=f"{MARK}-k1", actor=A_ONLY_CUSTOMER,
        channel="text", conversation_id=f"{MARK}-conv", customer_id=A_ONLY_CUSTOMER))
    await repo.start_return(A, ActionRequest(
        kind=ActionKind.RETURN, order_id=SHARED_ORDER, idempotency_key=f"{MARK}-k2", actor="C-515", channel="text",
        conversation_id=f"{MARK}-conv2"), RmaDraft(lines=({"sku": "HM-5001", "qty": 1, "note": MARK},),
                                                    refund_amount=Decimal("45.00"), label=True))
    t.ids["order_actions"] = "made"


@covers("GET", "/v1/orders/{order_id}/actions")
async def order_actions(t: Tenancy) -> None:
    await _a_actions(t)
    for bearer in (b_key(t), b_staff(t)):
        async with t.http(bearer) as c:
            not_found(t, await c.get(f"/v1/orders/{A_ONLY_ORDER}/actions"), "order_not_found")
            own = clean(t, await c.get(f"/v1/orders/{SHARED_ORDER}/actions"))
            assert own == {"order_id": SHARED_ORDER, "actions": [], "returns": []}, own
