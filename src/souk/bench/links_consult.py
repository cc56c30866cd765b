"""The consult rounds of ``souk bench links``: accept -> both decoding with BOTH sides on 150 ms RTT / 2 % loss.

Each round is a real consult in the two Chromiums (souk.bench.links_call.call): the links are impaired before
the shopper presses "Video call the seller", so the call request, the ring, both sides' warm-up (the shopper's
publisher and receiving connection, the console's backstage camera and receiving connection), the accept and
the switches all cross them. The seller lets it ring ``ring_s`` (default 2 s, as ``souk bench consult``: a
person reaching for the button) before accepting. Per round the JSON keeps its trace: the ring time and each
page's steps relative to the accept (negative: done while it rang), so a slow round shows where its time went.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from souk.bench.consult import warm_sides
from souk.core.stats import percentile

RTT_MS = 150.0
LOSS = 0.02


def consult_figures(rows: Sequence[dict[str, Any]], timeout_ms: float, ring_ms: float) -> dict[str, Any]:
    """The summary keys over the rounds (pure): a round that failed counts as ``timeout_ms``."""
    connects = [r["connect_ms"] if r.get("connect_ms") is not None else timeout_ms for r in rows]
    steps: dict[str, list[float]] = {}
    warm = {"shopper": 0, "seller": 0}
    for r in rows:
        for name, at in (r.get("steps") or {}).items():
            steps.setdefault(name, []).append(at)
        if r.get("steps"):
            for side, was in warm_sides(r["steps"]).items():
                warm[side] += int(was)
    return {
        "consult_p95_ms_at_150ms_2pct": percentile(connects, 0.95),
        "consult_p50_ms_at_150ms_2pct": percentile(connects, 0.5),
        "consult_ring_ms": ring_ms,
        "consult_warm_at_accept": warm,
        "consult_after_accept_p50_ms": dict(sorted(((k, percentile(v, 0.5)) for k, v in steps.items()),
                                                   key=lambda kv: kv[1] or 0)),
    }


async def consult_rounds(rounds: int, ring_ms: float, attempt: Callable[..., Any], timeout_ms: float
                         ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run ``rounds`` consults with both links at 150 ms / 2 % through ``attempt`` (souk.bench.links' retry
    wrapper around links_call.call); returns (the rows with their traces, the summary keys)."""
    from souk.bench.linkem.profile import LinkProfile

    both = LinkProfile.symmetric(rtt_ms=RTT_MS, loss=LOSS)
    rows = [await attempt({"consult_round": i}, (both, both), ring_s=ring_ms / 1000) for i in range(rounds)]
    return rows, consult_figures(rows, timeout_ms, ring_ms)
