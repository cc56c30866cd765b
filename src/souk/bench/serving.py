"""Serve an app on uvicorn inside a bench run: started (or its failure raised) before the body runs, stopped after."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


@asynccontextmanager
async def running_uvicorn(app: Any, port: int, name: str, *, start_timeout_s: float = 30.0,
                          **config: Any) -> AsyncIterator[None]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                                           **config))
    task = asyncio.create_task(server.serve(), name=name)
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn stopped before it started")
        if time.monotonic() > deadline:
            raise TimeoutError(f"uvicorn did not start within {start_timeout_s:.0f} s")
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)
