"""``souk agent chat`` (interactive), ``souk agent replay CASES --out RESULTS`` and ``souk bench brain``."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
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

    b = bench.add_parser("brain", help="per-turn latency of the offline brain over a cases file")
    b.add_argument("cases", nargs="?", default=None, help="cases JSONL (default: a built-in mixed set)")
    b.add_argument("--rounds", type=int, default=3, help="passes over the cases")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=run_bench)


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


_BUILTIN = [
    (None, ["Where is my order 1036?"]), ("C-518", ["Where is my order 1036?", "which carrier is it with?"]),
    (None, ["¿Cuánto tarda el envío estándar a México?"]), (None, ["寄到德国要多久?"]),
    (None, ["هل يمكنني الدفع عند الاستلام في السعودية؟"]), (None, ["Apakah ada bungkus kado untuk kalung?"]),
    (None, ["Posso devolver a jaqueta se não servir?"]), (None, ["Does the MagSafe case fit an iPhone 15?"]),
    (None, ["I want to talk to a real person please"]), (None, ["do you sell anything for camping under $150?"]),
]


def run_bench(args: argparse.Namespace, settings: Settings) -> int:
    """Brain-only latency (no transport): the time the voice path waits for the brain each turn."""
    from souk.assistant.factory import build_offline
    from souk.assistant.replay import Case, read_cases

    cases = read_cases(args.cases) if args.cases else [Case(f"b{i}", c, tuple(t)) for i, (c, t) in enumerate(_BUILTIN)]

    async def main() -> dict[str, Any]:
        brain = build_offline()
        t0 = time.perf_counter()
        await brain.warm()
        warm_s = time.perf_counter() - t0
        snap = await brain.snapshot()
        times: list[float] = []
        first_pass: list[float] = []
        for r in range(max(1, args.rounds)):
            brain._embedder._cache.clear()  # type: ignore[attr-defined]  # measure uncached embeddings
            for case in cases:
                session = brain.new_session(customer_id=case.customer)
                for turn in case.turns:
                    t = time.perf_counter()
                    session.reply_sync(turn, snap)
                    ms = (time.perf_counter() - t) * 1000
                    times.append(ms)
                    if r == 0:
                        first_pass.append(ms)
        ordered = sorted(times)
        return {"turns": len(times), "warm_s": round(warm_s, 2),
                "brain_p50_ms": round(statistics.median(ordered), 2),
                "brain_p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
                "brain_max_ms": round(ordered[-1], 2), "note": "offline brain, uncached embeddings, one thread"}

    result = asyncio.run(main())
    print(json.dumps(result) if args.json else json.dumps(result, indent=1))
    return 0
