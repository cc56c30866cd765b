"""Start and steer an emulated link from asyncio (tests, benches): the emulator runs as its own process.

    async with open_link(LinkProfile.symmetric(rtt_ms=150, loss=0.02)) as link:
        wrapper = link.chromium_wrapper(tmp)          # Playwright's executable_path: Chromium on the shopper side
        relay = await link.expose_tcp(souk_port)      # Souk's HTTP/WebSocket reachable at link.core_addr
        await link.outage(5.0)                        # mid-call blackout
        print(await link.stats())

The caller must run in a network namespace of its own (``python -m souk.media.netns run -- ...``): the
core-side device ``lkc<n>`` and its 10.77.<n>.1 address are created in the caller's namespace. Janus must be
started after the link with ``lkc<n>`` in its ``ice_enforce_list`` so it offers a candidate on it.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from souk.bench.linkem.netdev import enter_argv, socket_in
from souk.bench.linkem.profile import LinkProfile
from souk.bench.linkem.relay import TcpRelay
from souk.core.errors import ConfigError

CHROMIUM = "/usr/bin/chromium"
START_TIMEOUT_S = 20.0
REPLY_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class LinkInfo:
    index: int
    core_dev: str
    core_addr: str
    shopper_addr: str
    shopper_pid: int  # the process holding the shopper namespace
    pid: int  # the emulator
    realtime: bool  # the emulator runs at real-time priority (its timing does not suffer from the load)


class Link:
    def __init__(self, proc: asyncio.subprocess.Process, info: LinkInfo) -> None:
        self._proc = proc
        self.info = info
        self._lock = asyncio.Lock()
        self._relays: list[TcpRelay] = []
        self._closed = False
        self._broken = False

    @property
    def core_addr(self) -> str:
        return self.info.core_addr

    async def _request(self, cmd: dict[str, Any]) -> dict[str, Any]:
        if self._closed or self._proc.stdin is None or self._proc.stdout is None:
            raise ConfigError("the link is closed")
        async with self._lock:
            if self._broken:
                raise ConfigError("the link emulator stopped answering earlier; close this link")
            self._proc.stdin.write(json.dumps(cmd).encode() + b"\n")
            await self._proc.stdin.drain()
            try:
                line = await asyncio.wait_for(self._proc.stdout.readline(), REPLY_TIMEOUT_S)
            except TimeoutError:
                self._broken = True  # a late reply would answer the next command: refuse further ones
                raise ConfigError(f"the link emulator did not answer {cmd.get('op')!r} "
                                  f"within {REPLY_TIMEOUT_S:g} s") from None
        if not line:
            raise ConfigError(f"the link emulator exited (code {self._proc.returncode})")
        reply: dict[str, Any] = json.loads(line)
        if not reply.get("ok"):
            raise ConfigError(f"link: {reply.get('error')}")
        return reply

    async def set(self, profile: LinkProfile) -> None:
        """New impairments from now on (in-flight packets keep their times)."""
        await self._request({"op": "set", "profile": profile.to_json()})

    async def outage(self, seconds: float, direction: str = "both") -> None:
        """Nothing passes from now for ``seconds`` (``direction``: "up", "down" or "both")."""
        await self._request({"op": "outage", "seconds": seconds, "direction": direction})

    async def restore(self) -> None:
        await self._request({"op": "restore"})

    async def stats(self) -> dict[str, Any]:
        """Counters per direction: offered, passed, bytes, dropped by queue / outage / loss."""
        stats: dict[str, Any] = (await self._request({"op": "stats"}))["stats"]
        return stats

    def shopper_argv(self, cmd: Sequence[str]) -> list[str]:
        """argv that runs ``cmd`` on the shopper side (e.g. an aiortc peer's process)."""
        return enter_argv(self.info.shopper_pid, list(cmd))

    def socket(self, family: int = socket.AF_INET, kind: int = socket.SOCK_DGRAM) -> socket.socket:
        """A socket on the shopper side, usable from this process (probes)."""
        return socket_in(self.info.shopper_pid, family, kind)

    def chromium_wrapper(self, directory: Path, chromium: str = CHROMIUM) -> Path:
        """An executable that runs ``chromium`` on the shopper side: Playwright's ``executable_path``."""
        path = directory / f"chromium-linkem{self.info.index}"
        argv = " ".join(self.shopper_argv([chromium]))
        path.write_text(f'#!/bin/sh\nexec {argv} "$@"\n')
        path.chmod(0o755)
        return path

    def chromium_args(self, *ports: int) -> list[str]:
        """Extra Chromium flags for pages served at ``http://<core_addr>:<port>``: treated as secure origins
        (getUserMedia needs one), and real host candidates instead of mDNS names."""
        origins = ",".join(f"http://{self.core_addr}:{p}" for p in ports)
        return [f"--unsafely-treat-insecure-origin-as-secure={origins}",
                "--disable-features=WebRtcHideLocalIpsWithMdns"]

    async def expose_tcp(self, port: int, target: tuple[str, int] | None = None) -> TcpRelay:
        """Listen on ``core_addr:port`` and relay to ``target`` (default 127.0.0.1:port)."""
        relay = await TcpRelay.start((self.core_addr, port), target or ("127.0.0.1", port))
        self._relays.append(relay)
        return relay

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        for relay in self._relays:
            await relay.aclose()
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            await asyncio.wait_for(self._proc.wait(), 5)
        except TimeoutError:
            self._proc.kill()
            await self._proc.wait()


async def start_link(profile: LinkProfile | None = None, index: int = 0, *, realtime: bool = True) -> Link:
    """Start the emulator process for link ``index`` and wait until both ends are up."""
    profile = profile or LinkProfile()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "souk.bench.linkem", "serve", "--index", str(index),
        "--profile", json.dumps(profile.to_json()), *([] if realtime else ["--no-realtime"]),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=dict(os.environ))
    assert proc.stdout is not None
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), START_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise ConfigError("the link emulator did not come up") from None
    ready: dict[str, Any] = json.loads(line) if line.strip() else {}
    if not ready.get("ready"):
        if proc.stdin is not None:
            proc.stdin.close()
        await proc.wait()
        raise ConfigError(f"link {index}: {ready.get('error') or f'emulator exited ({proc.returncode})'}")
    info = LinkInfo(index=index, core_dev=ready["core_dev"], core_addr=ready["core_addr"],
                    shopper_addr=ready["shopper_addr"], shopper_pid=ready["shopper_pid"], pid=ready["pid"],
                    realtime=bool(ready.get("realtime")))
    return Link(proc, info)


@asynccontextmanager
async def open_link(profile: LinkProfile | None = None, index: int = 0, *,
                    realtime: bool = True) -> AsyncIterator[Link]:
    link = await start_link(profile, index, realtime=realtime)
    try:
        yield link
    finally:
        await link.aclose()
