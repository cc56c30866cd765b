"""``souk db upgrade|current|seed-demo`` (registered by souk.cli.main AREAS; ``souk bench storage`` is in
souk.bench.storage)."""

from __future__ import annotations

import argparse
import asyncio
import json
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


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
