"""``souk bench brain``: per-turn latency of the offline brain over a cases file (no transport).

The time the voice path waits for the brain each turn. A turn whose reply raises counts as failed, at
FAILED_MS (the voice bench's wait for an answer) in every percentile, and in ``failed``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
from typing import Any

from souk.core.settings import Settings
from souk.core.stats import percentile

log = logging.getLogger(__name__)

FAILED_MS = 20_000.0  # souk.bench.agent.runner waits this long for an answer before a turn counts as failed

BUILTIN = [  # one of each kind of turn, in the six languages (not the public dev set's sentences)
    (None, ["Has order 1019 shipped yet?"]), ("C-518", ["any news about order 1027?", "and who is delivering it?"]),
    (None, ["¿En cuántos días llega un envío normal a Chile?"]), (None, ["寄到法国快递要几天?"]),
    (None, ["أقدر أدفع كاش عند التوصيل في الإمارات؟"]), (None, ["Bisa dibungkus kado untuk jam tangan?"]),
    (None, ["Posso trocar o vestido se ficar pequeno?"]), (None, ["Will the phone case work with my iPhone 14?"]),
    (None, ["get me a human agent"]), (None, ["anything for hiking under $100?"]),
]

def command(args: argparse.Namespace, settings: Settings) -> int:
    from souk.assistant.replay import Case, read_cases

    cases = read_cases(args.cases) if args.cases else [Case(f"b{i}", c, tuple(t)) for i, (c, t) in enumerate(BUILTIN)]
    result = asyncio.run(_run(cases, max(1, args.rounds), quiet=args.json))
    print(json.dumps(result) if args.json else json.dumps(result, indent=1))
    return 0 if result["failed"] == 0 else 1


async def _run(cases: list[Any], rounds: int, *, quiet: bool = True) -> dict[str, Any]:
    from souk.assistant.factory import build_offline
    from souk.core.progress import progress

    brain = build_offline()
    t0 = time.perf_counter()
    await brain.warm()
    warm_s = time.perf_counter() - t0
    snap = await brain.snapshot()
    times: list[float] = []
    failed = 0
    errors: list[str] = []
    bar = progress("brain bench", total=rounds * sum(len(c.turns) for c in cases), quiet=quiet)  # stderr, tty
    for _ in range(rounds):
        brain._embedder._cache.clear()  # type: ignore[attr-defined]  # measure uncached embeddings
        for case in cases:
            session = brain.new_session(customer_id=case.customer)
            for turn in case.turns:
                bar.advance()
                t = time.perf_counter()
                try:
                    session.reply_sync(turn, snap)
                except Exception as exc:  # a failed turn is counted and reported, the bench goes on  # noqa: BLE001
                    log.warning("brain bench: turn %r failed: %s", turn, exc)
                    failed += 1
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                    times.append(FAILED_MS)
                    continue
                times.append((time.perf_counter() - t) * 1000)
    bar.close()
    out: dict[str, Any] = {
        "turns": len(times), "failed": failed, "warm_s": round(warm_s, 2),
        "brain_p50_ms": percentile(times, 0.5, ndigits=2), "brain_p95_ms": percentile(times, 0.95, ndigits=2),
        "brain_max_ms": round(max(times), 2) if times else None,
        "percentiles": f"nearest rank; a failed turn counts as {FAILED_MS:.0f} ms",
        "note": "offline brain, uncached embeddings, one thread",
    }
    if errors:
        out["errors"] = errors[:5]
    return out
