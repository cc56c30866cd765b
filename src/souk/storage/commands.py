"""``souk db upgrade|current|seed-demo`` and ``souk bench storage`` (registered by souk.cli.main AREAS)."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from souk.core.settings import Settings


def register(sub: Any, bench: Any) -> None:
    db = sub.add_parser("db", help="database: migrations and the demo seed").add_subparsers(
        dest="db", required=True, metavar="ACTION")
    up = db.add_parser("upgrade", help="migrate the configured database (settings database_url) to head")
    up.add_argument("--revision", default="head")
    up.set_defaults(func=run_upgrade)
    db.add_parser("current", help="print the database's revision and the code's head").set_defaults(
        func=run_current)
    db.add_parser("seed-demo", help="load the demo store 'lumen' (idempotent; prints a new demo key once)"
                  ).set_defaults(func=run_seed)

    b = bench.add_parser("storage", help="concurrent checkouts against one hot product (never oversells)")
    b.add_argument("--url", default="", help="database URL (default: a fresh SQLite file in a temp dir)")
    b.add_argument("--buyers", type=int, default=400)
    b.add_argument("--stock", type=int, default=200)
    b.set_defaults(func=run_bench)


def run_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from souk.storage.migrate import migrate_database

    print(json.dumps({"database": _redact(settings.db_url),
                      "revision": asyncio.run(migrate_database(settings, revision=args.revision))}))
    return 0


def run_current(args: argparse.Namespace, settings: Settings) -> int:
    from souk.storage.db import create_engine
    from souk.storage.migrate import current_revision, head_revision

    async def main() -> str | None:
        engine = create_engine(settings.db_url)
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    current = asyncio.run(main())
    print(json.dumps({"database": _redact(settings.db_url), "current": current, "head": head_revision()}))
    return 0 if current == head_revision() else 1


def run_seed(args: argparse.Namespace, settings: Settings) -> int:
    from souk.storage import open_storage, seed_demo

    async def main() -> dict[str, Any]:
        storage = await open_storage(settings)
        try:
            seed = await seed_demo(storage)
        finally:
            await storage.aclose()
        return {"merchant": seed.merchant_id, "seller": seed.seller_id, "api_key_id": seed.api_key_id,
                "api_key": seed.api_key, "inserted": seed.inserted}

    out = asyncio.run(main())
    if out["api_key"] is None:
        out["note"] = "demo key minted on an earlier run; only its hash is stored"
    print(json.dumps(out))
    return 0


def run_bench(args: argparse.Namespace, settings: Settings) -> int:
    with tempfile.TemporaryDirectory(prefix="souk-bench-") as tmp:
        url = args.url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        result = asyncio.run(_bench(url, tmp, args.buyers, args.stock))
    print(json.dumps(result))
    return 0 if result["sold"] == min(args.buyers, args.stock) else 1


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

        async def buy() -> bool:
            t0 = time.perf_counter()
            try:
                await storage.orders.create(mid, NewOrder("C", (CartLine("HOT", 1),), "US"))
                return True
            except Conflict:
                return False
            finally:
                latencies.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        results = await asyncio.gather(*(buy() for _ in range(buyers)))
        elapsed = time.perf_counter() - t0
        left = (await storage.catalog.get(mid, "HOT")).stock
        q = statistics.quantiles(latencies, n=100)
        return {"backend": storage.backend, "buyers": buyers, "stock": stock, "sold": sum(results),
                "stock_left": left, "elapsed_s": round(elapsed, 3),
                "attempts_per_s": round(buyers / elapsed, 1), "latency_ms_p50": round(q[49] * 1000, 1),
                "latency_ms_p95": round(q[94] * 1000, 1)}
    finally:
        await storage.aclose()


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
