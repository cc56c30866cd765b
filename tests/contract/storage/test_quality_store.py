"""Call-quality records (storage.quality) on SQLite and a real PostgreSQL: reports fold into one record per
participant and join, a retried report stores nothing, concurrent uploads all land, windows are bounded and
ordered, orders are read for the sales join, and nothing crosses merchants."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import BadRequest
from souk.domain.models import Order, OrderLine, OrderStatus
from souk.domain.quality import AudioCounters, Participant, QualityRecord, Report, VideoCounters, merge
from souk.storage import Storage
from tests.contract.storage.conftest import A, B, customer, merchant, product


def who(mid: str, identity: str = "C-1") -> Participant:
    return Participant(merchant_id=mid, identity=identity, role="viewer", kind="live", region="mx")


def report(seq: int, *, room: str = "live-1", session: str = "sess-0001", **kw: object) -> Report:
    return Report(session_id=session, room_id=room, seq=seq, elapsed_ms=1000.0 * (seq + 1), **kw)  # type: ignore[arg-type]


async def put(s: Storage, mid: str, rep: Report, identity: str = "C-1") -> QualityRecord | None:
    now = s.clock.wall()
    return await s.quality.apply(mid, rep.room_id, identity, rep.session_id,
                                 lambda before: merge(before, rep, who(mid, identity), now))


@pytest.fixture
async def shops(storage: Storage) -> Storage:
    for mid in (A, B):
        await storage.merchants.create(merchant(mid))
        await storage.catalog.upsert(mid, product("SKU-1"))
        await storage.customers.upsert(mid, customer("C-1"))
    return storage


async def test_reports_fold_into_one_record(shops: Storage) -> None:
    s = shops
    video = VideoCounters(packets_received=100, video_ms=1500, total_freezes_duration_ms=300, freeze_count=1)
    await put(s, A, report(0, rtt_ms=100, first_frame_ms=600))
    after = await put(s, A, report(1, rtt_ms=300, video=video, audio=AudioCounters(packets_received=50)))
    assert after is not None and after.reports == 2
    got = await s.quality.get(A, "live-1", "C-1", "sess-0001")
    assert got == after
    assert got.rtt_ms == 200 and got.video == video and got.region == "mx" and got.first_frame_ms == 600
    assert await put(s, A, report(1, rtt_ms=900)) is None  # retried: nothing stored
    assert (await s.quality.get(A, "live-1", "C-1", "sess-0001")) == after


async def test_a_bad_report_stores_nothing(shops: Storage) -> None:
    with pytest.raises(BadRequest):
        await put(shops, A, report(0, first_frame_ms=99_000.0))
    assert await shops.quality.get(A, "live-1", "C-1", "sess-0001") is None


async def test_concurrent_uploads_of_one_join_all_land(shops: Storage) -> None:
    results = await asyncio.gather(*(put(shops, A, report(i)) for i in range(8)))
    got = await shops.quality.get(A, "live-1", "C-1", "sess-0001")
    assert got is not None
    stored = [r for r in results if r is not None]
    assert got.reports == len(stored) and got.last_seq == max(r.last_seq for r in stored)


async def test_window_order_bound_and_room(shops: Storage, storage_clock: ManualClock) -> None:
    s = shops
    t0 = storage_clock.wall()
    for i in range(5):
        await put(s, A, report(0, session=f"sess-000{i}", room="call-1" if i < 3 else "call-2"))
        await storage_clock.advance(10)
    recs, truncated = await s.quality.window(A, t0 - 60, t0 + 1000)
    assert [r.session_id for r in recs] == [f"sess-000{i}" for i in range(5)] and not truncated
    recs, truncated = await s.quality.window(A, t0 - 60, t0 + 1000, max_rows=2)
    assert [r.session_id for r in recs] == ["sess-0003", "sess-0004"] and truncated
    assert [r.session_id for r in await s.quality.room(A, "call-1")] == ["sess-0000", "sess-0001", "sess-0002"]
    assert (await s.quality.window(A, t0 + 100, t0 + 1000))[0] == []


async def test_merchants_never_see_each_other(shops: Storage) -> None:
    s = shops
    await put(s, A, report(0, rtt_ms=100))
    assert await s.quality.get(B, "live-1", "C-1", "sess-0001") is None
    assert (await s.quality.window(B, 0, 4e9))[0] == []
    assert await s.quality.room(B, "live-1") == []
    b = await put(s, B, report(0, rtt_ms=999))  # the same key under B is B's own record
    assert b is not None and b.merchant_id == B
    a = await s.quality.get(A, "live-1", "C-1", "sess-0001")
    assert a is not None and a.rtt_ms == 100


async def test_sales_reads_the_customers_orders(shops: Storage) -> None:
    s = shops
    day = dt.date(2026, 12, 6)
    for mid, oid, status in ((A, "O-1", OrderStatus.PROCESSING), (A, "O-2", OrderStatus.CANCELLED),
                             (B, "O-3", OrderStatus.PROCESSING)):
        await s.orders.put(mid, Order(id=oid, customer_id="C-1", placed_on=day, status=status,
                                      shipping_method="standard", country="US",
                                      lines=(OrderLine("SKU-1", 1, Decimal("12.50")),), subtotal=Decimal("12.50"),
                                      shipping=Decimal(0), total=Decimal("12.50"), currency_paid="USD"))
    now = s.clock.wall()
    sales = await s.quality.sales(A, {"C-1", "nobody"}, now - 60, now + 60)
    assert [(x.order_id, x.total, x.cancelled) for x in sales] == [("O-1", Decimal("12.50"), False),
                                                                   ("O-2", Decimal("12.50"), True)]
    assert await s.quality.sales(A, set(), 0, 4e9) == []
    assert await s.quality.sales(A, {"C-1"}, now + 60, now + 120) == []


async def test_purge_deletes_old_joins_of_one_merchant_in_batches(shops: Storage, storage_clock: ManualClock) -> None:
    s = shops
    for i in range(3):
        await put(s, A, report(0, session=f"sess-old{i}"))
    await put(s, B, report(0, session="sess-oldB"))
    await storage_clock.advance(100)
    await put(s, A, report(0, session="sess-new0"))
    cut = storage_clock.wall() - 50
    assert await s.quality.purge(A, cut, batch=2) == 2
    assert await s.quality.purge(A, cut, batch=2) == 1
    assert await s.quality.purge(A, cut) == 0
    assert [r.session_id for r in await s.quality.room(A, "live-1")] == ["sess-new0"]
    assert [r.session_id for r in await s.quality.room(B, "live-1")] == ["sess-oldB"]
