"""The baseline: a python-socketio broadcast server written the usual way (emit to a room).

Bench-only (python-socketio and aiohttp are test extras). Run as
``python -m souk.bench.rtm.socketio_server PORT``; prints ``READY <port>`` once listening.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any


async def serve(port: int) -> None:
    import socketio  # bench-only dependency
    from aiohttp import web

    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
    app = web.Application()
    sio.attach(app)

    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await sio.enter_room(sid, "bench")

    @sio.on("pub")
    async def pub(sid: str, data: Any) -> None:
        await sio.emit("m", data, room="bench")

    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=4096)
    await site.start()
    print(f"READY {port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
