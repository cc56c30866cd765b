"""Every REST route driven with merchant B's credentials at merchant A's objects (cases: tenancy_cases.py).

Each case runs on the module's one app; A's whole state (storage, calls, pins, show, RTM history and policy,
recordings, the assistant conversation) is read before and after it and must not change.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.integration.tenancy.tenancy_app import LIVE, SKU, A, B, Tenancy, a_state
from tests.integration.tenancy.tenancy_cases import COVERED, Case

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Cases that fail because of a leak in another area not fixed yet: "METHOD path" -> reason (strict xfail, so
# each flips to a failure, to be removed from here, the day the leak is fixed).
XFAIL: dict[str, str] = {}


# the channel's periodic head count as A's viewer-1 alone in it sees it
ALONE = {"t": "b", "ch": LIVE, "m": [], "agg": {"online": 1}}


def _param(case: Case) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=XFAIL[case.id])] if case.id in XFAIL else []
    return pytest.param(case, id=case.id, marks=marks)


def _diff(before: dict[str, Any], after: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {before.get(k)!r} -> {after.get(k)!r}" for k in sorted(before | after)
                     if before.get(k) != after.get(k))


@pytest.mark.parametrize("case", [_param(c) for c in COVERED.values() if c.fn is not None])
async def test_b_sees_and_changes_nothing_of_a(tenancy: Tenancy, case: Case) -> None:
    assert case.fn is not None
    assert tenancy.a_rtm is not None
    before = await a_state(tenancy)
    heard = len(tenancy.a_rtm.frames)
    tenancy.drain_console()
    then = await case.fn(tenancy)
    await asyncio.sleep(0.1)  # an announcement or a ring of B's that went to A would have reached A by now
    after = await a_state(tenancy)
    assert after == before, f"{case.id} changed A's state: {_diff(before, after)}"
    told = [f for f in tenancy.a_rtm.frames[heard:] if f != ALONE]
    assert told == [], f"{case.id}: A's viewer heard {told}"
    assert tenancy.drain_console() == [], f"{case.id}: A's seller console was told of something"
    if then is not None:
        await then()


async def test_b_spending_its_rate_limits_leaves_a_s_alone(tenancy: Tenancy) -> None:
    """Buckets carry the merchant: B's shopper-9 rings until 429 and opens assistant sessions until refused,
    from the same address as A's shopper-9, who still rings and opens one."""
    t = tenancy
    async with t.http(t.token(B, "shopper-9", "lobby", "member")) as c:
        for _ in range(50):
            r = await c.post("/v1/consults", json={"product_sku": SKU})
            if r.status_code == 429:
                assert r.json()["error"]["code"] == "rate_limited" and r.headers.get("retry-after"), r.text
                break
            call = r.json()["call"]
            async with t.http(t.token(B, "shopper-9", call["room"], "member")) as mine:
                assert (await mine.post(f"/v1/consults/{call['call_id']}/hangup")).status_code == 200
        else:
            pytest.fail("B's shopper-9 was never rate limited")
        for _ in range(50):
            r = await c.post("/v1/agent/sessions", json={})
            if r.status_code == 429:
                break
            assert r.status_code == 200, r.text
        else:
            pytest.fail("B's shopper-9 never hit the assistant limits")
    async with t.http(t.token(A, "shopper-9", "lobby", "member")) as c:
        r = await c.post("/v1/consults", json={"product_sku": SKU})
        assert r.status_code == 201, r.text
        assert (await c.post("/v1/agent/sessions", json={})).status_code == 200


async def test_b_filling_the_assistant_table_leaves_a_s_conversations_alone(tenancy: Tenancy) -> None:
    """The module's assistant keeps 50 conversations a merchant: B's 50 shoppers, all talking, neither refuse
    A's next shopper nor cut off A's open conversation."""
    t = tenancy
    service = t.ctx.assistant
    room_left = service._max - sum(1 for c in service._conversations.values() if c.merchant_id == B)
    for i in range(room_left + 1):
        async with t.http(t.token(B, f"crowd-{i}", "lobby", "member")) as c:
            r = await c.post("/v1/agent/sessions", json={})
        if i < room_left:
            assert r.status_code == 200, r.text
        else:  # B's own share is full of conversations in use: B's next one waits
            assert r.status_code == 503 and r.json()["error"]["code"] == "assistant_busy", r.text
    async with t.http(t.token(A, "shopper-10", "lobby", "member")) as c:
        assert (await c.post("/v1/agent/sessions", json={})).status_code == 200
    assert t.a["conv_id"] in t.ctx.assistant._conversations
