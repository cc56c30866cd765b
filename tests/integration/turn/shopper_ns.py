"""A shopper on a network that drops all UDP: a second network namespace, joined to the test's namespace
(where Janus, coturn and Souk run) by a veth pair on private addresses, with nftables dropping every UDP
packet in and out of it. Chromium runs there through a wrapper executable (``nsenter --net``); Playwright
drives it over its pipe, so the browser's only network is the veth.

    test ns: turnT 10.77.0.1/30  <---- veth ---->  shopper ns: turnS 10.77.0.2/30, UDP dropped

Souk serves on 10.77.0.1:<port> as well as on 127.0.0.1 (running_souk's ``also_on``), and the shopper's pages
load it there; Chromium is told that origin is secure, so getUserMedia works on it. Janus's only candidate (127.0.0.2 on
vA) cannot be reached from the shopper namespace at all, so media can only flow through TURN over TCP/TLS.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

T_DEV, S_DEV = "turnT", "turnS"
T_ADDR, S_ADDR = "10.77.0.1", "10.77.0.2"
NFT_RULES = """table inet souk_udp_block {
  chain in { type filter hook input priority 0; policy accept; meta l4proto udp drop; }
  chain out { type filter hook output priority 0; policy accept; meta l4proto udp drop; }
}
"""


@dataclass
class ShopperNs:
    pid: int  # the process holding the namespace
    chromium: Path  # an executable that runs /usr/bin/chromium inside it

    def argv(self, *cmd: str) -> list[str]:
        return ["nsenter", f"--net=/proc/{self.pid}/ns/net", "--", *cmd]

    def run(self, *cmd: str, check: bool = True,
            input_text: str | None = None) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(self.argv(*cmd), capture_output=True, text=True, check=False, input=input_text,
                              timeout=30)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} in the shopper namespace: {proc.stderr.strip()}")
        return proc


def _ip(*args: str) -> None:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {proc.stderr.strip()}")


@asynccontextmanager
async def udp_blocked_shopper(workdir: Path) -> AsyncIterator[ShopperNs]:
    for tool in ("nsenter", "nft", "unshare"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (make setup-test installs nftables)")
    holder = await asyncio.create_subprocess_exec("unshare", "-n", "--", "sleep", "infinity")
    try:
        ns = ShopperNs(pid=holder.pid, chromium=workdir / "chromium-shopper")
        for _ in range(100):  # wait until unshare has moved the sleeper into its own namespace
            if Path(f"/proc/{holder.pid}/ns/net").resolve() != Path("/proc/self/ns/net").resolve():
                break
            await asyncio.sleep(0.02)
        _ip("link", "add", T_DEV, "type", "veth", "peer", "name", S_DEV)
        try:
            _ip("link", "set", S_DEV, "netns", str(holder.pid))
            _ip("addr", "add", f"{T_ADDR}/30", "dev", T_DEV)
            _ip("link", "set", T_DEV, "up")
            ns.run("ip", "link", "set", "lo", "up")
            ns.run("ip", "addr", "add", f"{S_ADDR}/30", "dev", S_DEV)
            ns.run("ip", "link", "set", S_DEV, "up")
            ns.run("nft", "-f", "-", input_text=NFT_RULES)
            workdir.mkdir(parents=True, exist_ok=True)
            ns.chromium.write_text(f"#!/bin/sh\nexec nsenter --net=/proc/{holder.pid}/ns/net -- "
                                   "/usr/bin/chromium \"$@\"\n")
            ns.chromium.chmod(0o755)
            yield ns
        finally:
            with contextlib.suppress(RuntimeError):
                _ip("link", "del", T_DEV)
    finally:
        holder.kill()
        await holder.wait()
