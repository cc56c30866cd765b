"""The line protocol every bench worker process speaks (``souk bench live``, ``souk bench voiceroom``).

Requests arrive on stdin as JSON lines ``{"id": n, "op": ..., ...}``; each is handled in its own task by the
worker's peers (``handle(req) -> dict``) and answered with one line ``{"id": n, ...}`` (``"error"`` when it
raised). ``quit`` or the end of stdin (the orchestrator went away) closes every peer and exits, so a worker never
outlives its orchestrator; SIGINT is ignored (Ctrl-C reaches the whole process group: the orchestrator decides).
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from typing import Any, Protocol

from souk.core.tasks import TaskOwner


class WorkerPeers(Protocol):
    async def handle(self, req: dict[str, Any]) -> dict[str, Any]: ...

    async def aclose(self) -> None: ...


async def serve(peers: WorkerPeers, name: str) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    tasks = TaskOwner(name)

    def reply(msg: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(msg) + "\n")
        sys.stdout.flush()

    async def one(req: dict[str, Any]) -> None:
        try:
            reply({"id": req.get("id"), **await peers.handle(req)})
        except Exception as exc:  # the orchestrator reports it; the worker goes on  # noqa: BLE001
            reply({"id": req.get("id"), "error": f"{type(exc).__name__}: {exc}"})

    try:
        while line := await reader.readline():
            req = json.loads(line)
            if req.get("op") == "quit":
                break
            tasks.spawn(one(req), str(req.get("op")))
    finally:
        await tasks.aclose()
        await peers.aclose()
        reply({"id": None, "bye": True})


def run(peers: WorkerPeers, name: str) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve(peers, name))
    return 0
