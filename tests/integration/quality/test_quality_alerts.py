"""Quality alerts through the merchant webhooks on a real Souk: slow joins in the window send a signed
``quality.alert`` to the endpoints subscribed to it, once per repeat period."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from souk.domain.rooms import RoomKind
from tests.fixtures.browser import Souk, running_souk
from tests.integration.api.test_webhook_routes import Receiver

ROOM = "call-slow"


@pytest.fixture
async def souk(tmp_path: Path) -> AsyncIterator[Souk]:
    async with running_souk(tmp_path / "souk", features=("souk.api.routes.quality", "souk.api.routes.webhooks"),
                            webhooks={"allow_local_http": True, "retry_base_s": 0.2, "retry_cap_s": 0.4},
                            quality={"alert_check_s": 0.2, "alert_min_participants": 2,
                                     "alert_connect_p95_ms": 3000}) as s:
        await s.ctx.storage.rooms.create(s.merchant_id, RoomKind.CONSULT, room_id=ROOM)
        yield s


async def test_slow_joins_send_a_quality_alert(souk: Souk) -> None:
    receiver = Receiver()
    await receiver.start()
    try:
        key = {"Authorization": f"Bearer {souk.api_key}"}
        async with httpx.AsyncClient(base_url=souk.base_url, timeout=15) as c:
            made = await c.post("/v1/webhooks", json={"url": receiver.url, "events": ["quality.alert"]}, headers=key)
            assert made.status_code == 201, made.text
            for i, first_frame in enumerate((400, 6500)):  # p95 of two joins: the slow one
                token = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity=f"shopper-{i}", room=ROOM,
                                             role="member")
                r = await c.post("/v1/quality/reports", headers={"Authorization": f"Bearer {token}"}, json={
                    "session": f"join-000{i}", "room": ROOM, "seq": 0, "elapsed_ms": 8000,
                    "first_frame_ms": first_frame})
                assert r.status_code == 202, r.text
            for _ in range(50):
                if receiver.received:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.6)  # a few more checks: no second alert within repeat_s
        [event] = receiver.verified(made.json()["secret"])
        assert event["type"] == "quality.alert" and event["merchant_id"] == souk.merchant_id
        assert event["data"] == {"metric": "connect_p95_ms", "value": 6500.0, "threshold": 3000.0,
                                 "participants": 2, "window_s": 900.0}
    finally:
        await receiver.stop()
