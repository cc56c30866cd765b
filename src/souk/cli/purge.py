"""``souk privacy purge`` (run the retention purge now) and ``souk privacy retention show|set|clear`` (a
merchant's own retention days per data kind; docs/privacy.md)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from souk.core.settings import Settings
from souk.domain.retention import DataKind, RetentionError, policy
from souk.storage import Storage

T = TypeVar("T")


def register_purge(sub: Any) -> Any:
    """Add ``souk privacy`` with purge and retention; returns its sub-commands (souk.cli.privacy adds more)."""
    privacy = sub.add_parser("privacy", help="retention of personal data").add_subparsers(
        dest="privacy", required=True, metavar="ACTION")
    purge = privacy.add_parser("purge", help="delete what is past each merchant's retention now (idempotent)")
    purge.add_argument("--merchant", default=None, help="only this merchant (default: every merchant)")
    purge.add_argument("--json", action="store_true", help="print one JSON object (for scripts)")
    purge.set_defaults(func=run_purge)
    ret = privacy.add_parser("retention", help="a merchant's retention days per data kind").add_subparsers(
        dest="retention", required=True, metavar="ACTION")
    show = ret.add_parser("show", help="the merchant's retention per kind (its own or the default)")
    show.add_argument("--merchant", required=True)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)
    put = ret.add_parser("set", help="set the merchant's retention of one kind")
    put.add_argument("--merchant", required=True)
    put.add_argument("kind", choices=[k.value for k in DataKind])
    put.add_argument("days", type=int)
    put.set_defaults(func=run_set)
    clear = ret.add_parser("clear", help="back to the default for one kind")
    clear.add_argument("--merchant", required=True)
    clear.add_argument("kind", choices=[k.value for k in DataKind])
    clear.set_defaults(func=run_clear)
    return privacy


def with_storage(settings: Settings, work: Callable[[Storage], Awaitable[T]]) -> T:
    from souk.storage import open_storage

    async def run() -> T:
        storage = await open_storage(settings)
        try:
            return await work(storage)
        finally:
            await storage.aclose()

    return asyncio.run(run())


def run_purge(args: argparse.Namespace, settings: Settings) -> int:
    from souk.core.clock import SystemClock
    from souk.privacy.audit import AuditLog
    from souk.privacy.customer_stores import StoreDeps, rtm_history_store
    from souk.privacy.retention import PassResult, RetentionPurge
    from souk.privacy.stores import storage_purgers

    async def work(storage: Storage) -> PassResult:
        async def merchants() -> list[str]:
            return [m.id for m in await storage.merchants.list()]

        chat = rtm_history_store(StoreDeps.of(storage, settings))  # rtm.db, or the Redis streams
        purgers = storage_purgers(storage, recordings=settings.data_path / "recordings", chat_history=chat)
        purge = RetentionPurge(storage.retention, purgers, merchants,
                               settings.privacy.retention_days(), SystemClock(), audit=AuditLog(storage.audit))
        if args.merchant:
            await storage.merchants.get(args.merchant)
        return await purge.run_once([args.merchant] if args.merchant else None)

    result = with_storage(settings, work)
    rows = [{"merchant_id": p.merchant_id, "kind": p.kind.value, "deleted": p.deleted} for p in result.purged]
    if args.json:
        print(json.dumps({"deleted": result.total, "purged": rows, "skipped": [k.value for k in result.skipped]}))
    else:
        for r in rows:
            if r["deleted"]:
                print(f"{r['merchant_id']}\t{r['kind']}\t{r['deleted']} deleted")
        print(f"{result.total} deleted; not purged on this node: {', '.join(k.value for k in result.skipped)}")
    return 0


def run_show(args: argparse.Namespace, settings: Settings) -> int:

    async def work(storage: Storage) -> dict[str, int]:
        await storage.merchants.get(args.merchant)
        return await storage.retention.own(args.merchant)

    own = with_storage(settings, work)
    p = policy(settings.privacy.retention_days(), own)
    view = {k.value: {"days": p.days[k], "own": k in p.own} for k in DataKind}
    if args.json:
        print(json.dumps({"merchant_id": args.merchant, "retention": view}))
    else:
        for k, v in view.items():
            print(f"{k}\t{v['days']} days\t{'merchant' if v['own'] else 'default'}")
    return 0


def run_set(args: argparse.Namespace, settings: Settings) -> int:

    async def work(storage: Storage) -> None:
        await storage.merchants.get(args.merchant)
        await storage.retention.set(args.merchant, args.kind, args.days)

    try:
        with_storage(settings, work)
    except RetentionError as exc:
        print(f"souk: {exc}", file=sys.stderr)
        return 2
    print(f"{args.merchant}: {args.kind} kept {args.days} days")
    return 0


def run_clear(args: argparse.Namespace, settings: Settings) -> int:

    async def work(storage: Storage) -> bool:
        await storage.merchants.get(args.merchant)
        return await storage.retention.clear(args.merchant, args.kind)

    had = with_storage(settings, work)
    print(f"{args.merchant}: {args.kind} back to the default" if had else f"{args.merchant}: {args.kind} was default")
    return 0
