"""``souk bench storage``: concurrent checkouts against one hot product (never oversells).

Every buyer tries to buy one unit at once; a sold-out refusal (Conflict) is an answer, not a failure. An
attempt that raises anything else, or takes longer than ATTEMPT_TIMEOUT_S, has failed: it counts at the
timeout in the nearest-rank percentiles and in ``failed``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from souk.core.settings import Settings
from souk.core.stats import percentile

log = logging.getLogger(__name__)

ATTEMPT_TIMEOUT_S = 30.0


def register(bench: Any) -> None:
    b = bench.add_parser("storage", help="concurrent checkouts against one hot product (never oversells)")
    b.add_argument("--url", default="", help="database URL (default: a fresh SQLite file in a temp dir)")
    b.add_argument("--buyers", type=int, default=400)
    b.add_argument("--stock", type=int, default=200)
    b.set_defaults(func=command)


def command(args: argparse.Namespace, settings: Settings) -> int:
    with tempfile.TemporaryDirectory(prefix="souk-bench-") as tmp:
        url = args.url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        result = asyncio.run(_bench(url, tmp, args.buyers, args.stock))
    print(json.dumps(result))
    return 0 if result["sold"] == min(args.buyers, args.stock) and result["failed"] == 0 else 1


async def _bench(url: str, tmp: str, buyers: int, stock: int) -> dict[str, Any]:
    from decimal import Decimal

    from souk.core.errors import Conflict
    from souk.core.ids import new_id
    from souk.domain.checkout import CartLine, NewOrder
    from souk.domain.models import Customer, Merchant, Product
    from souk.storage import open_storage

    storage = await open_storage(Settings(data_dir=tmp), url=url)
    mid = new_id("bench")  # a fresh tenant, so a shared database is never disturbed
    try:
        await storage.merchants.create(Merchant(mid, "bench", "", "USD", ("en",), "UTC"))
        await storage.catalog.upsert(mid, Product("HOT", "bench", Decimal("9.99"), 0.1, {"en": "Hot"}, "", {},
                                                  stock))
        await storage.customers.upsert(mid, Customer("C", "Bench", "b@example.com", "US", "en"))
        latencies: list[float] = []
        errors: list[str] = []

        async def buy() -> bool:
            t0 = time.perf_counter()
            try:
                await asyncio.wait_for(storage.orders.create(mid, NewOrder("C", (CartLine("HOT", 1),), "US")),
                                       ATTEMPT_TIMEOUT_S)
                latencies.append(time.perf_counter() - t0)
                return True
            except Conflict:  # sold out: the answer a late buyer should get
                latencies.append(time.perf_counter() - t0)
                return False
            except Exception as exc:  # a failed attempt is counted and reported, the bench goes on  # noqa: BLE001
                log.warning("storage bench: checkout failed: %s", exc)
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
                latencies.append(ATTEMPT_TIMEOUT_S)
                return False

        t0 = time.perf_counter()
        results = await asyncio.gather(*(buy() for _ in range(buyers)))
        elapsed = time.perf_counter() - t0
        left = (await storage.catalog.get(mid, "HOT")).stock
        ms = [x * 1000 for x in latencies]
        out: dict[str, Any] = {
            "backend": storage.backend, "buyers": buyers, "stock": stock, "sold": sum(results),
            "stock_left": left, "failed": len(errors), "elapsed_s": round(elapsed, 3),
            "attempts_per_s": round(buyers / elapsed, 1), "latency_ms_p50": percentile(ms, 0.5),
            "latency_ms_p95": percentile(ms, 0.95),
            "percentiles": f"nearest rank; a failed attempt counts as {ATTEMPT_TIMEOUT_S * 1000:.0f} ms"}
        if errors:
            out["errors"] = errors[:5]
        return out
    finally:
        await storage.aclose()
