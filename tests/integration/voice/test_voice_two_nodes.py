"""Two Souk app instances (each its own process state, connection pool and RTM node) on one PostgreSQL:
64 concurrent seat requests spread over both resolve consistently, because the seat map changes only by
conditional updates under the database's row lock (souk.storage.repos.voice_rooms)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest

from souk.api.context import AppContext
from souk.core.settings import load_settings
from souk.core.tenancy import RoomKey
from tests.fixtures.browser import CORE_FEATURES, bearer, bound_listener

pytestmark = pytest.mark.postgres

FEATURES = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.voice_rooms")
SECRET = "two-nodes-share-this-token-secret-0123456789"
ROOM = "voice-2n"


@asynccontextmanager
async def node(data_dir: Path, db_url: str, name: str) -> AsyncIterator[tuple[str, AppContext]]:
    import uvicorn

    from souk.api.app import create_app
    from souk.api.bootstrap import build_context
    from souk.storage import open_storage, seed_demo

    listener, port = bound_listener()
    settings = load_settings(None, data_dir=str(data_dir), demo=True, database_url=db_url, node_id=name,
                             server={"host": "127.0.0.1", "port": port}, auth={"token_secret": SECRET})
    async with AsyncExitStack() as stack:
        storage = await open_storage(settings)
        stack.push_async_callback(storage.aclose)
        await seed_demo(storage)  # the second node finds the merchant there already
        ctx = await build_context(settings, stack, storage=storage, with_media=False)
        server = uvicorn.Server(uvicorn.Config(create_app(settings, ctx=ctx, features=FEATURES), host="127.0.0.1",
                                               port=port, log_level="warning", lifespan="on"))
        task = asyncio.create_task(server._serve(sockets=[listener]), name=f"uvicorn-{name}")
        deadline = time.monotonic() + 15
        while not server.started:
            if task.done():
                task.result()
            assert time.monotonic() < deadline, "uvicorn did not start"
            await asyncio.sleep(0.01)
        try:
            yield f"http://127.0.0.1:{port}", ctx
        finally:
            server.should_exit = True
            await asyncio.wait_for(task, 15)


async def test_64_takes_over_two_nodes_seat_exactly_16(postgres_url: str, tmp_path: Path) -> None:
    async with node(tmp_path / "n1", postgres_url, "n1") as (url1, ctx1), \
            node(tmp_path / "n2", postgres_url, "n2") as (url2, _):
        merchant = "lumen"
        mint = ctx1.tokens.mint
        host = bearer(mint(merchant_id=merchant, identity="hana", room=ROOM, role="host"))
        async with httpx.AsyncClient(timeout=60) as http:
            r = await http.post(f"{url1}/v1/voice-rooms/{ROOM}/open", json={"seats": 16, "free_seating": True},
                                headers=host)
            assert r.status_code == 201, r.text

            async def take(i: int) -> httpx.Response:
                who = bearer(mint(merchant_id=merchant, identity=f"l{i}", room=ROOM, role="audience"))
                return await http.post(f"{(url1, url2)[i % 2]}/v1/voice-rooms/{ROOM}/actions", json={"op": "take"},
                                       headers=who)

            answers = await asyncio.gather(*(take(i) for i in range(64)))
            assert sorted(r.status_code for r in answers) == [200] * 16 + [409] * 48
            assert {r.json()["error"]["code"] for r in answers if r.status_code == 409} == {"seats_full"}
            winners = {f"l{i}" for i, r in enumerate(answers) if r.status_code == 200}
            assert {i % 2 for i, r in enumerate(answers) if r.status_code == 200} == {0, 1}  # both nodes seated some
            for url in (url1, url2):
                room = (await http.get(f"{url}/v1/voice-rooms/{ROOM}", headers=host)).json()
                assert {s["identity"] for s in room["seats"]} == winners and room["version"] == 16
            # and a host action on one node is seen by the other at once (the database is the one truth)
            kicked = min(winners)
            r = await http.post(f"{url2}/v1/voice-rooms/{ROOM}/actions", json={"op": "kick", "identity": kicked},
                                headers=host)
            assert r.status_code == 200
            seats = ctx1.voice_rooms
            assert seats is not None
            assert not await seats.may_speak(RoomKey(merchant, ROOM), kicked)
            assert await seats.may_speak(RoomKey(merchant, ROOM), "hana")
