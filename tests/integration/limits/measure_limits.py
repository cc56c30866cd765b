"""Figures for docs/limits.md, not a test: ``.venv/bin/python -m tests.integration.limits.measure_limits``.

Against a real Souk (uvicorn, seeded SQLite, RTM on the API port) it prints the median time of a 401 for an
unknown API key id and for a wrong secret of a real id (interleaved, 30 each), and, for a raw client that
sends pings and never reads, how long the server takes to cut it off and how much its memory grew.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from tests.fixtures.browser import CORE_FEATURES, running_souk
from tests.integration.limits.rawws import connect, flood, rss_mb

MANY = {"count": 100_000, "per_s": 1}


async def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        async with running_souk(Path(d) / "souk", features=(*CORE_FEATURES, "souk.api.routes.rtm"),
                                limits={"mint_merchant": MANY, "mint_address": MANY}) as s:
            body = {"identity": "v", "room": "lobby", "role": "member"}
            key_id = s.api_key.split("_")[1]
            keys = {"unknown id": "sk_000000000000_" + "x" * 43, "wrong secret": f"sk_{key_id}_" + "y" * 43}
            times: dict[str, list[float]] = {k: [] for k in keys}
            async with httpx.AsyncClient(base_url=s.base_url) as http:
                for _ in range(30):
                    for name, key in keys.items():
                        started = time.perf_counter()
                        r = await http.post("/v1/tokens", headers={"Authorization": f"Bearer {key}"}, json=body)
                        times[name].append((time.perf_counter() - started) * 1000)
                        assert r.status_code == 401
            print("API key 401, median ms:", {k: round(statistics.median(v), 1) for k, v in times.items()})
            port = int(s.base_url.rsplit(":", 1)[1])
            for path, ping, room, role in (("/v1/rtm/ws", b'{"t":"ping","id":"' + b"p" * 60 + b'"}', "live1", "audience"),
                                           ("/v1/signal", b'{"type":"ping","id":"p"}', "lobby", "member")):
                token = s.ctx.tokens.mint(merchant_id=s.merchant_id, identity="slow", room=room, role=role)
                before = rss_mb()
                sock = await asyncio.to_thread(connect, "127.0.0.1", port, f"{path}?token={token}")
                await asyncio.sleep(0.3)
                stop = threading.Event()
                flooding = asyncio.ensure_future(asyncio.to_thread(flood, sock, ping, seconds=60, stop=stop))
                started, peak = time.monotonic(), 0.0
                while ([t for t in asyncio.all_tasks() if t.get_name().endswith("writer:slow")]
                       and time.monotonic() - started < 60):
                    peak = max(peak, rss_mb() - before)
                    await asyncio.sleep(0.1)
                cut = time.monotonic() - started
                stop.set()
                sent = (await flooding).sent
                print(f"{path}: a client that never reads cut off after {cut:.1f} s ({sent} pings sent), "
                      f"RSS peak +{peak:.0f} MB, after +{rss_mb() - before:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
