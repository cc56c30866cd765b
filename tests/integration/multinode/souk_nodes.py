"""Souk nodes as subprocesses (``souk serve``) on one PostgreSQL and one Redis, each with its embedded Janus
(started with ``setpriv --pdeathsig KILL``: it dies with its Souk). Helpers for the two-node tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from souk.bench.signal_client import SignalClient, SignalError

START_TIMEOUT_S = 60.0
SECRET = "multinode-test-secret-" + "x" * 32  # one signing secret: a token minted on A verifies on B


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Node:
    """One ``souk serve`` process: node ``node_id`` of the deployment."""

    def __init__(self, node_id: str, data_dir: Path, *, database_url: str, redis_url: str, rtp: str) -> None:
        self.node_id = node_id
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}/v1/signal"
        self.log = data_dir.parent / f"souk-{node_id}.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOUK_") or k.startswith("SOUK_JANUS__")}
        env.update(SOUK_DATA_DIR=str(data_dir), SOUK_LOG_LEVEL="INFO", SOUK_NODE_ID=node_id,
                   SOUK_DATABASE_URL=database_url, SOUK_REDIS_URL=redis_url, SOUK_AUTH__TOKEN_SECRET=SECRET,
                   SOUK_JANUS__RTP_PORT_RANGE=rtp)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "souk.cli.main", "serve", "--host", "127.0.0.1",
                                          "--port", str(self.port)], env=env, stdout=out, stderr=subprocess.STDOUT)

    async def ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        async with httpx.AsyncClient(base_url=self.base, timeout=2) as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError(f"souk {self.node_id} exited with {self.proc.returncode}: {self.tail()}")
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"souk {self.node_id} did not answer /healthz in {START_TIMEOUT_S}s: {self.tail()}")

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base, timeout=15)

    def sigkill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        assert self.proc.wait(timeout=10) == -signal.SIGKILL

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def ok(r: Any, status: int = 200) -> dict[str, Any]:
    response: httpx.Response = await r
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def mint(http: httpx.AsyncClient, key: str, **body: Any) -> str:
    return str((await ok(http.post("/v1/tokens", json=body, headers=auth(key))))["token"])


async def join_refused(node: Node, token: str, room: str) -> SignalError | None:
    """The error of a signaling join of ``room`` on ``node`` (None: joined, then left)."""
    client = await SignalClient.connect(node.ws, token)
    try:
        await client.request({"type": "join", "room": room})
    except SignalError as exc:
        return exc
    finally:
        await client.aclose()
    return None
