"""A real Souk for the SDK's tests: uvicorn on a free loopback port with the demo store seeded, every route
served, the operator API on and webhooks allowed to a local http receiver. It runs in a thread with its own
event loop, so the synchronous client (which blocks its caller) can be tested against it too.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.browser import running_souk

OPERATOR_TOKEN = "op-sdk-tests-0123456789abcdef"
# the routes the SDK's resources call (not the assistant: its model warm-up holds a shutdown for ~30 s here)
FEATURES = tuple(f"souk.api.routes.{name}" for name in (
    "health", "auth", "operator", "rooms", "signaling", "calls", "rtm", "live", "group_buys", "stage", "desk",
    "webhooks"))
START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class LiveSouk:
    url: str
    api_key: str
    merchant_id: str
    operator_token: str


class ServerThread:
    """``running_souk(**overrides)`` served from a thread until :meth:`stop`."""

    def __init__(self, data_dir: Path, **overrides: Any) -> None:
        self._data_dir, self._overrides = data_dir, overrides
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.live: LiveSouk | None = None
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="souk-sdk-server")
        self._done: Future[None] | None = None

    def start(self) -> LiveSouk:
        self._done = self._pool.submit(asyncio.run, self._serve())
        self._done.add_done_callback(lambda _: self._ready.set())  # a failed start wakes start() too
        if not self._ready.wait(START_TIMEOUT_S):
            raise TimeoutError("the Souk for the SDK tests did not start")
        if self.live is None:
            self._done.result()  # raises why it stopped
            raise RuntimeError("the Souk for the SDK tests stopped before it served")
        return self.live

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._done is not None:
            self._done.result(timeout=30)
        self._pool.shutdown()

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        async with running_souk(self._data_dir, features=FEATURES, **self._overrides) as souk:
            self.live = LiveSouk(souk.base_url, souk.api_key, souk.merchant_id,
                                 souk.settings.auth.operator_token.get_secret_value())
            self._ready.set()
            await self._stop.wait()


@pytest.fixture(scope="session")
def live_souk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSouk]:
    server = ServerThread(tmp_path_factory.mktemp("sdk") / "souk", auth={"operator_token": OPERATOR_TOKEN},
                          webhooks={"allow_local_http": True, "timeout_s": 5.0, "retry_base_s": 0.5,
                                    "retry_cap_s": 1.0})
    live = server.start()
    try:
        yield live
    finally:
        server.stop()
