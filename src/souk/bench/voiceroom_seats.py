"""``souk bench voiceroom``'s ``seat_ops``: N concurrent seat requests over HTTP against the voice-room API.

A Souk (uvicorn, a fresh SQLite database, no media plane) serves ``/v1/voice-rooms``; the bench opens a room
with ``seats`` free seats and sends ``ops`` ``take`` actions at once, each from its own listener token. Resolved
consistently means: exactly ``min(seats, ops)`` answered 200, every other one 409 ``seats_full``, the room then
has each granted identity in exactly one seat and its seat map's version counted every change once. The figure
is each request's time (client side) and whether the outcome was consistent; PostgreSQL and two app instances
are the voice-room service's own tests (tests/integration/voice).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from souk.bench.serving import seeded_souk
from souk.bench.voiceroom_figures import percentile

FEATURES = ("souk.api.routes.health", "souk.api.routes.rtm", "souk.api.routes.voice_rooms")
ROOM = "seat-ops-bench"


@asynccontextmanager
async def serve(data_dir: Path) -> AsyncIterator[tuple[str, str, str, Any]]:
    """(base URL, merchant id, API key, token minter) of a Souk serving the voice-room API, in this loop."""
    async with seeded_souk(data_dir, FEATURES, "bench-seat-ops-uvicorn") as souk:
        def mint(identity: str, role: str) -> str:
            return souk.mint(identity, ROOM, role)

        yield souk.url, souk.seed.merchant_id, str(souk.seed.api_key), mint


async def seat_ops(*, ops: int = 64, seats: int = 16) -> dict[str, Any]:
    """Run the measurement in a temporary data folder; the result dict (``consistent`` is the verdict)."""
    import httpx

    with tempfile.TemporaryDirectory(prefix="souk-bench-seats-") as tmp:
        async with serve(Path(tmp)) as (base, _merchant, api_key, mint), \
                httpx.AsyncClient(base_url=base, timeout=60) as http:
            r = await http.post("/v1/voice-rooms", json={"room_id": ROOM, "host_identity": "host",
                                                         "seats": seats, "free_seating": True},
                                headers={"Authorization": f"Bearer {api_key}"})
            r.raise_for_status()
            tokens = [mint(f"listener{i}", "audience") for i in range(ops)]

            async def take(token: str) -> tuple[httpx.Response, float]:
                started = time.perf_counter()
                resp = await http.post(f"/v1/voice-rooms/{ROOM}/actions", json={"op": "take"},
                                       headers={"Authorization": f"Bearer {token}"})
                return resp, 1000 * (time.perf_counter() - started)

            started = time.perf_counter()
            answers = await asyncio.gather(*(take(t) for t in tokens))
            wall_ms = 1000 * (time.perf_counter() - started)
            room = (await http.get(f"/v1/voice-rooms/{ROOM}",
                                   headers={"Authorization": f"Bearer {api_key}"})).json()
    return judge(answers=[(resp.status_code, _code(resp), ms) for resp, ms in answers], room=room, ops=ops,
                 seats=seats, wall_ms=wall_ms)


def _code(resp: Any) -> str:
    try:
        return str(resp.json()["error"]["code"]) if resp.status_code >= 400 else ""
    except (ValueError, KeyError, TypeError):
        return "unreadable"


def judge(*, answers: list[tuple[int, str, float]], room: dict[str, Any], ops: int, seats: int,
          wall_ms: float) -> dict[str, Any]:
    """Pure: the verdict on one run's answers (status, error code, ms) and the room's seat map afterwards."""
    granted = sum(1 for status, _, _ in answers if status == 200)
    refused = sorted({code for status, code, _ in answers if status != 200})
    seated = [s["identity"] for s in room.get("seats", []) if s.get("identity")]
    want = min(seats, ops)
    consistent = (granted == want and len(answers) == ops and refused in ([], ["seats_full"])
                  and len(seated) == want and len(set(seated)) == want and room.get("version") == want)
    times = [ms for _, _, ms in answers]
    return {"ops": ops, "seats": seats, "granted": granted, "refused_codes": refused, "seated": len(seated),
            "version": room.get("version"), "consistent": consistent, "p50_ms": percentile(times, 50),
            "p95_ms": percentile(times, 95), "wall_ms": round(wall_ms, 1)}
