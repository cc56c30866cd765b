"""``souk agent chat`` (interactive) and ``souk agent replay CASES --out RESULTS`` (``souk bench brain`` is in
souk.bench.brain)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from souk.core.errors import NotFound
from souk.core.settings import Settings

if TYPE_CHECKING:
    from souk.assistant.actions import ActionPort
    from souk.assistant.store import SnapshotSource


def register(sub: Any, bench: Any) -> None:
    agent = sub.add_parser("agent", help="the shopping assistant").add_subparsers(dest="agent", required=True)
    chat = agent.add_parser("chat", help="talk to the assistant in the terminal")
    chat.add_argument("--customer", default=None, help="signed-in customer id, e.g. C-518 (default: anonymous)")
    chat.add_argument("--language", default=None, help="start in this language (it is re-detected every turn)")
    chat.add_argument("--offline", action="store_true", help="ignore a configured LLM; use the offline brain")
    chat.add_argument("--debug", action="store_true", help="show intent, tool calls and timing of each turn")
    chat.add_argument("--merchant", default=None,
                      help="talk to this merchant's assistant over its store in storage (SOUK_DATA_DIR), able to "
                           "act on the customer's orders after a yes (default: the bundled demo store, read-only)")
    chat.set_defaults(func=run_chat)

    rep = agent.add_parser("replay", help="run every case of a JSONL file through one brain, one process")
    rep.add_argument("cases", help="cases JSONL: {id, customer, turns: [...]} per line")
    rep.add_argument("--out", required=True, help="results JSONL: {id, replies: [...]} per line")
    rep.add_argument("--offline", action="store_true", help="ignore a configured LLM; use the offline brain")
    rep.add_argument("--merchant", default=None,
                     help="answer from this merchant's store in storage (the database of the settings, e.g. "
                          "under SOUK_DATA_DIR), loaded with `souk store import FILE --merchant ID`, and act on "
                          "its orders as deployed (a case that confirms an action changes that storage); "
                          "default: the bundled demo store, read-only")
    rep.add_argument("--as-of", type=_day, default=None, metavar="YYYY-MM-DD",
                     help="the day the assistant takes as today (return windows, order ages); default: today "
                          "for a stored merchant, the demo store's as_of for the demo. Give the store file's "
                          "as_of to replay cases written against it")
    rep.set_defaults(func=run_replay)


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _brain(settings: Settings, offline: bool, store: SnapshotSource | None = None,
           merchant_id: str | None = None, actions: ActionPort | None = None) -> Any:
    from souk.assistant.factory import build_brain, build_offline

    if offline:
        return build_offline(store, merchant_id=merchant_id, actions=actions)
    return build_brain(settings, store, merchant_id=merchant_id, actions=actions)


async def _warm(brain: Any) -> None:
    target = getattr(brain, "offline", brain)
    await target.warm()


def run_replay(args: argparse.Namespace, settings: Settings) -> int:
    from souk.assistant.replay import read_cases

    cases = read_cases(args.cases)
    if args.merchant is None:
        from souk.assistant.replay import FixedDay
        from souk.assistant.store import demo_store

        source = FixedDay(demo_store(), args.as_of) if args.as_of else None
        return asyncio.run(_replay(args, settings, cases, source, None))

    async def work(storage: Any, actions: ActionPort) -> int:
        from souk.assistant.replay import FixedDay

        # as deployed: the brain can act on orders (a case that answers "yes" changes this storage)
        return await _replay(args, settings, cases, FixedDay(storage, args.as_of), args.merchant, actions)

    return asyncio.run(_with_store(settings, args.merchant, args.as_of, work))


async def _with_store(settings: Settings, merchant_id: str, as_of: dt.date | None,
                      work: Callable[[Any, ActionPort], Awaitable[int]]) -> int:
    """Open the settings' storage, check the merchant's store is there (exit 2 saying how to load it), and run
    ``work(storage, actions)`` with order actions on it (clocked at ``as_of`` when given)."""
    from souk.assistant.actions import OrderActions
    from souk.assistant.replay import DayClock
    from souk.core.clock import SystemClock
    from souk.storage import open_storage

    storage = await open_storage(settings)
    try:
        problem = await _store_problem(storage, merchant_id)
        if problem:
            print(f"souk: {problem}", file=sys.stderr)
            return 2
        return await work(storage, OrderActions(storage, None, DayClock(as_of) if as_of else SystemClock()))
    finally:
        await storage.aclose()


async def _store_problem(storage: Any, merchant_id: str) -> str | None:
    """Why the merchant's store cannot be replayed against (no fallback to the demo store), or None."""
    try:
        snap = await storage.snapshot(merchant_id)
    except NotFound:
        return (f"merchant {merchant_id!r} is not in storage ({storage.db.dialect}): create it with "
                f"`souk merchant create {merchant_id}` and load its "
                f"store with `souk store import FILE --merchant {merchant_id}`")
    if not snap.products:
        return (f"merchant {merchant_id!r} has no store loaded: run "
                f"`souk store import FILE --merchant {merchant_id}` first")
    return None


async def _replay(args: argparse.Namespace, settings: Settings, cases: list[Any], source: SnapshotSource | None,
                  merchant_id: str | None, actions: ActionPort | None = None) -> int:
    from souk.assistant.replay import replay, write_results

    brain = _brain(settings, args.offline, source, merchant_id, actions)
    t0 = time.perf_counter()
    await _warm(brain)
    warm_s = time.perf_counter() - t0
    results, stats = await replay(brain, cases)
    write_results(args.out, results)
    closer = getattr(brain, "aclose", None)
    if closer:
        await closer()
    print(json.dumps({"cases": stats.cases, "turns": stats.turns, "warm_s": round(warm_s, 2),
                      "turn_p50_ms": stats.p50_ms, "turn_p95_ms": stats.p95_ms, "turn_max_ms": stats.max_ms,
                      "merchant": merchant_id or "demo", "out": args.out}), file=sys.stderr)
    return 0


def run_chat(args: argparse.Namespace, settings: Settings) -> int:
    if args.merchant is None:
        return asyncio.run(_chat(args, _brain(settings, args.offline)))

    async def work(storage: Any, actions: ActionPort) -> int:
        # as deployed: answers from the stored store; actions write to it (audited) after the shopper's yes
        return await _chat(args, _brain(settings, args.offline, storage, args.merchant, actions))

    return asyncio.run(_with_store(settings, args.merchant, None, work))


async def _chat(args: argparse.Namespace, brain: Any) -> int:
    print("loading the assistant...", file=sys.stderr)
    await _warm(brain)
    session = brain.new_session(customer_id=args.customer, language=args.language)
    who = f"customer {args.customer}" if args.customer else "an anonymous visitor"
    print(f"Chatting as {who}. Empty line or Ctrl-D to quit.", file=sys.stderr)
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = await loop.run_in_executor(None, _read_line)
            if line is None or not line.strip():
                break
            reply = await session.reply(line)
            print(f"assistant [{reply.language}]: {reply.text}")
            if reply.handoff:
                print(f"  -> hand-off to {reply.handoff} ({reply.handoff_reason})")
            if args.debug:
                tools = ", ".join(c.name for c in reply.tool_calls) or "-"
                print(f"  intent={reply.metadata.get('intent')} tools={tools} "
                      f"brain_ms={reply.metadata.get('brain_ms')}", file=sys.stderr)
    finally:
        await session.aclose()
        closer = getattr(brain, "aclose", None)
        if closer:
            await closer()
    return 0


def _read_line() -> str | None:
    try:
        return input("you: ")
    except EOFError:
        return None

