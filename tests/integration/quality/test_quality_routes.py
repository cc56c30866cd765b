"""The quality API on a real Souk: a browser's reports become one record per join, bad and oversized reports
get clear errors and store nothing, a flood is limited, and staff read the figures (dashboard, drill-down,
quality joined to orders)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest

from souk.core.tenancy import RoomKey
from souk.domain.models import Customer, Order, OrderLine, OrderStatus
from souk.domain.rooms import RoomKind
from souk.media.evh import load_events_secret
from tests.fixtures.browser import Souk, running_souk

FEATURES = ("souk.api.routes.quality",)
ROOM = "call-room-1"
SHOPPER = "C-511"  # a demo customer: their orders are joined to their quality


@pytest.fixture
async def souk(tmp_path: Path) -> AsyncIterator[Souk]:
    async with running_souk(tmp_path, features=FEATURES) as s:
        await s.ctx.storage.rooms.create(s.merchant_id, RoomKind.CONSULT, room_id=ROOM)
        yield s


def bearer(souk: Souk, identity: str, role: str, room: str = "*", **kw: Any) -> dict[str, str]:
    token = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity=identity, room=room, role=role, **kw)
    return {"Authorization": f"Bearer {token}"}


def report(seq: int, **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "session": "join-0001", "room": ROOM, "seq": seq, "elapsed_ms": 5000 * (seq + 1), "first_frame_ms": 640,
        "network": "cellular", "timezone": "Asia/Jakarta", "rtt_ms": 180 + seq, "jitter_ms": 12,
        "in_kbps": 900, "out_kbps": 700,
        "audio": {"packets_received": 250 * (seq + 1), "packets_lost": 5, "fec_packets_received": 3,
                  "concealed_samples": 960, "total_samples_received": 240_000 * (seq + 1)},
        "video": {"packets_received": 2000 * (seq + 1), "packets_lost": 10, "retransmitted_packets_received": 40,
                  "frames_decoded": 150 * (seq + 1), "freeze_count": 1, "total_freezes_duration_ms": 400,
                  "video_ms": 4300 + 5000 * seq, "layer_switches": 2},
    }
    body.update(kw)
    return body


async def test_reports_make_one_record_and_staff_read_it(souk: Souk) -> None:
    me = bearer(souk, SHOPPER, "member", ROOM, metadata={"customer_id": SHOPPER})
    async with httpx.AsyncClient(base_url=souk.base_url) as c:
        for seq in range(3):
            r = await c.post("/v1/quality/reports", json=report(seq), headers=me)
            assert r.status_code == 202, r.text
            assert r.json()["stored"] is True and r.json()["reports"] == seq + 1
        again = await c.post("/v1/quality/reports", json=report(1), headers=me)
        assert again.status_code == 202 and again.json()["stored"] is False  # a retry changes nothing
        staff = bearer(souk, "ana", "agent")
        d = (await c.get("/v1/quality/dashboard?hours=1&bucket_s=600", headers=staff)).json()
        assert d["total"]["participants"] == 1 and d["total"]["failed"] == 0
        assert d["total"]["connect_ms"]["p50"] == 640
        assert list(d["by_region"]) == ["Asia"] and list(d["by_network"]) == ["cellular"]
        assert list(d["by_kind"]) == ["consult"]
        assert [row["room_id"] for row in d["rooms"]] == [ROOM]
        assert sum(b["count"] for b in d["connect_histogram"]) == 1 and len(d["over_time"]) == 1
        room = (await c.get(f"/v1/quality/rooms/{ROOM}", headers={"Authorization": f"Bearer {souk.api_key}"})).json()
        [p] = room["participants"]
        assert (p["identity"], p["role"], p["kind"], p["reports"]) == (SHOPPER, "member", "consult", 3)
        assert p["rtt_ms"] == 181.0 and p["rtt_max_ms"] == 182 and p["freeze_count"] == 1
        assert p["freeze_ratio"] == round(400 / 14300, 4) and p["layer_switches"] == 2
        assert p["video_loss_before_pct"] == round(50 / 6010 * 100, 2)
        assert p["video_loss_after_pct"] == round(10 / 6010 * 100, 2)
        assert p["audio_loss_after_pct"] == round(2 / 755 * 100, 2)
        assert 3.5 < p["mos"] <= 4.5
        missing = await c.get("/v1/quality/rooms/nope", headers=staff)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "room_not_found"


async def test_quality_joined_to_orders(souk: Souk) -> None:
    buyer = "Q-BUYER"  # a customer with no earlier orders (the demo seed's are created at start-up)
    await souk.ctx.storage.customers.upsert(souk.merchant_id, Customer(
        id=buyer, name="Q Buyer", email="q@example.com", country="ID", language="en"))
    me = bearer(souk, buyer, "member", ROOM)
    async with httpx.AsyncClient(base_url=souk.base_url) as c:
        assert (await c.post("/v1/quality/reports", json=report(0), headers=me)).status_code == 202
        await souk.ctx.storage.orders.put(souk.merchant_id, Order(
            id="Q-1", customer_id=buyer, placed_on=dt.date.today(), status=OrderStatus.PROCESSING,
            shipping_method="standard", country="US", lines=(OrderLine("JW-4002", 1, Decimal("80.00")),),
            subtotal=Decimal("80.00"), shipping=Decimal(0), total=Decimal("80.00"), currency_paid="USD"))
        s = (await c.get("/v1/quality/sales?hours=1", headers={"Authorization": f"Bearer {souk.api_key}"})).json()
    consult = s["by_freezes"]["consult"]
    [group] = consult.values()
    assert (group["participants"], group["buyers"], group["orders"], group["revenue"]) == (1, 1, 1, "80.00")
    assert s["currency"] and s["attribution_s"] == 86400


async def test_bad_reports_get_clear_errors_and_store_nothing(souk: Souk) -> None:
    me = bearer(souk, SHOPPER, "member", ROOM)
    async with httpx.AsyncClient(base_url=souk.base_url) as c:
        async def post(body: Any, headers: dict[str, str] = me, **kw: Any) -> httpx.Response:
            return await c.post("/v1/quality/reports", json=body, headers=headers, **kw)

        big = await c.post("/v1/quality/reports", content=json.dumps(report(0, timezone="x" * 9000)),
                           headers={**me, "Content-Type": "application/json"})
        assert big.status_code == 413 and big.json()["error"]["code"] == "report_too_large"
        r = await post(report(0, rtt_ms=-1))
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
        r = await post(report(0, surprise=1))
        assert r.status_code == 422
        r = await post(report(0, first_frame_ms=999_999))
        err = r.json()["error"]
        assert r.status_code == 400 and (err["code"], err["message"], err["details"]) == (
            "bad_report", "first_frame_ms is later than elapsed_ms", {"field": "first_frame_ms"})
        r = await post(report(0, network="5g"))
        assert r.status_code == 422 and r.json()["error"]["details"]["errors"][0]["loc"] == ["body", "network"]
        r = await post(report(0, audio={"concealed_samples": 5, "total_samples_received": 4}))
        assert r.status_code == 400 and r.json()["error"]["details"] == {"field": "audio.concealed_samples"}
        r = await post(report(0, room="other-room"))
        assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_room"
        r = await post(report(0, room="no-such-room"), headers=bearer(souk, "ana", "agent"))
        assert r.status_code == 404 and r.json()["error"]["code"] == "room_not_found"
        assert (await c.post("/v1/quality/reports", json=report(0))).status_code == 401
    assert await souk.ctx.storage.quality.room(souk.merchant_id, ROOM) == []


async def test_a_flood_is_limited(souk: Souk) -> None:
    me = bearer(souk, SHOPPER, "member", ROOM)
    rule = souk.settings.limits.quality_report_identity
    async with httpx.AsyncClient(base_url=souk.base_url) as c:
        codes = [(await c.post("/v1/quality/reports", json=report(i), headers=me)).status_code
                 for i in range(rule.count + 1)]
        assert codes[:rule.count] == [202] * rule.count
        last = await c.post("/v1/quality/reports", json=report(99), headers=me)
        assert last.status_code == 429 and last.json()["error"]["code"] == "rate_limited"
        assert int(last.headers["Retry-After"]) >= 1
        other = await c.post("/v1/quality/reports", json=report(0, session="join-0002"),
                             headers=bearer(souk, "C-512", "member", ROOM))
        assert other.status_code == 202  # another identity has its own bucket


def test_the_schema_lists_the_domains_values() -> None:
    from souk.api.routes.quality import Failure, Network
    from souk.domain.quality import FAILURES, NETWORKS

    assert get_args(Network) == NETWORKS and get_args(Failure) == FAILURES


async def test_only_staff_read_the_figures(souk: Souk) -> None:
    async with httpx.AsyncClient(base_url=souk.base_url) as c:
        for path in ("/v1/quality/dashboard", "/v1/quality/sales", f"/v1/quality/rooms/{ROOM}"):
            shopper = await c.get(path, headers=bearer(souk, SHOPPER, "member", ROOM))
            assert shopper.status_code == 403 and shopper.json()["error"]["code"] == "staff_only"
            assert (await c.get(path)).status_code == 401
        for bad in ("hours=0", "hours=99999", "bucket_s=5"):
            r = await c.get(f"/v1/quality/dashboard?{bad}", headers=bearer(souk, "boss", "host"))
            assert r.status_code == 422, bad


class FakePublishers:
    """Stands in for the media plane's handle lookup (the e2e test has the real one with Janus)."""

    def __init__(self, owners: dict[int, tuple[RoomKey, str]]) -> None:
        self.owners = owners

    def publisher_of(self, handle_id: int) -> tuple[RoomKey, str] | None:
        return self.owners.get(handle_id)


def janus_event(handle_id: int, media: str = "video", **stats: Any) -> dict[str, Any]:
    return {"type": 32, "timestamp": 1, "session_id": 9, "handle_id": handle_id,
            "event": {"media": media, "codec": "vp8", "rtt": 20, "lost": 7, "nacks-sent": 3, **stats}}


async def test_janus_media_stats_join_the_publishers_record(souk: Souk) -> None:
    secret = load_events_secret(souk.settings)
    auth = httpx.BasicAuth("janus", secret)
    souk.ctx.media = FakePublishers({5: (RoomKey(souk.merchant_id, ROOM), SHOPPER)})  # type: ignore[assignment]
    me = bearer(souk, SHOPPER, "member", ROOM)
    async with httpx.AsyncClient(base_url=souk.base_url) as c:
        r = await c.post("/v1/quality/janus-events", json=[janus_event(5)], auth=auth)
        assert r.json() == {"matched": 0, "unmatched": 1, "ignored": 0}  # no record of that join yet
        assert (await c.post("/v1/quality/reports", json=report(0), headers=me)).status_code == 202
        r = await c.post("/v1/quality/janus-events", json=[janus_event(5), janus_event(5, "audio", lost=1),
                                                           janus_event(6), {"type": 1, "event": {}}], auth=auth)
        assert r.status_code == 200 and r.json() == {"matched": 2, "unmatched": 1, "ignored": 1}
        room = (await c.get(f"/v1/quality/rooms/{ROOM}", headers=bearer(souk, "ana", "agent"))).json()
        server = room["participants"][0]["server"]
        assert server["uplink_video"]["lost"] == 7 and server["uplink_video"]["nacks-sent"] == 3
        assert server["uplink_audio"]["lost"] == 1 and server["uplink_video"]["codec"] == "vp8"
        for wrong in (httpx.BasicAuth("janus", "nope"), httpx.BasicAuth("admin", secret)):
            r = await c.post("/v1/quality/janus-events", json=[janus_event(5)], auth=wrong)
            assert r.status_code == 401 and r.json()["error"]["code"] == "events_auth_failed"
        r = await c.post("/v1/quality/janus-events", json=[janus_event(5)], headers=me)
        assert r.status_code == 401
        r = await c.post("/v1/quality/janus-events", content=b"[1, 2]", auth=auth,
                         headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_events"
