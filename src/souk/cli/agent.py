"""``souk agent chat`` (interactive) and ``souk agent replay CASES --out RESULTS`` (``souk bench brain`` is in
souk.bench.brain)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from souk.core.settings import Settings


def register(sub: Any, bench: Any) -> None:
    agent = sub.add_parser("agent", help="the shopping assistant").add_subparsers(dest="agent", required=True)
    chat = agent.add_parser("chat", help="talk to the assistant in the terminal")
    chat.add_argument("--customer", default=None, help="signed-in customer id, e.g. C-518 (default: anonymous)")
    chat.add_argument("--language", default=None, help="start in this language (it is re-detected every turn)")
    chat.add_argument("--offline", action="store_true", help="ignore a configured LLM; use the offline brain")
    chat.add_argument("--debug", action="store_true", help="show intent, tool calls and timing of each turn")
    chat.set_defaults(func=run_chat)

    rep = agent.add_parser("replay", help="run every case of a JSONL file through one brain, one process")
    rep.add_argument("cases", help="cases JSONL: {id, customer, turns: [...]} per line")
    rep.add_argument("--out", required=True, help="results JSONL: {id, replies: [...]} per line")
    rep.add_argument("--offline", action="store_true", help="ignore a configured LLM; use the offline brain")
    rep.set_defaults(func=run_replay)



def _brain(settings: Settings, offline: bool) -> Any:
    from souk.assistant.factory import build_brain, build_offline

    return build_offline() if offline else build_brain(settings)


async def _warm(brain: Any) -> None:
    target = getattr(brain, "offline", brain)
    await target.warm()


def run_replay(args: argparse.Namespace, settings: Settings) -> int:
    from souk.assistant.replay import read_cases, replay, write_results

    cases = read_cases(args.cases)

    async def main() -> int:
        brain = _brain(settings, args.offline)
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
                          "out": args.out}), file=sys.stderr)
        return 0

    return asyncio.run(main())


def run_chat(args: argparse.Namespace, settings: Settings) -> int:
    async def main() -> int:
        brain = _brain(settings, args.offline)
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
        return 0

    return asyncio.run(main())


def _read_line() -> str | None:
    try:
        return input("you: ")
    except EOFError:
        return None

