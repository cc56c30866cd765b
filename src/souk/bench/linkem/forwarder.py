"""The emulator process: holds both TUN descriptors and moves each packet across when the scheduler says.

    python -m souk.bench.linkem serve --index N [--profile JSON] [--no-realtime]

It prints one JSON line when the link is up (``{"ready": true, "shopper_pid": ..., addresses}``), then
answers one JSON line per command read on stdin:

    {"op": "set", "profile": {...}}             new settings from now on (souk.bench.linkem.profile)
    {"op": "outage", "seconds": 5, "direction": "both"}   go dark now ("up", "down" or "both")
    {"op": "restore"}                            end running outages
    {"op": "stats"}                              counters per direction

Replies are ``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``. End of stdin ends the link.
A single thread with ``select``: no other work competes with the packet timing.
"""

from __future__ import annotations

import json
import os
import random
import select
import sys
import time
from collections.abc import Callable
from typing import Any

from souk.bench.linkem.netdev import LinkAddrs, check_host, configure, open_tun, start_holder
from souk.bench.linkem.profile import LinkProfile, profile_from
from souk.bench.linkem.scheduler import DelayLine, DirectionScheduler, Drop
from souk.core.errors import ConfigError

MAX_READS_PER_WAKE = 256
MAX_IN_FLIGHT = 50_000  # packets held in the delay line (e.g. 10 s of delay at 5,000 packets/s); more are dropped
MAX_LINE = 1 << 20


class Forwarder:
    """Packets read from ``core_fd`` go down to ``shopper_fd`` and the reverse goes up, each scheduled."""

    def __init__(self, core_fd: int, shopper_fd: int, profile: LinkProfile,
                 clock: Callable[[], float] = time.monotonic, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self.core_fd, self.shopper_fd = core_fd, shopper_fd
        self._clock = clock
        now = clock()
        self._rngs = (random.Random(profile.seed), random.Random(profile.seed + 1))
        self.up = DirectionScheduler(profile.up, self._rngs[0], now)
        self.down = DirectionScheduler(profile.down, self._rngs[1], now)
        self.line: DelayLine[tuple[int, bytes]] = DelayLine()
        self.write_errors = 0
        self.overflow = 0  # packets dropped because max_in_flight were already in flight
        self._max_in_flight = max_in_flight

    def set(self, profile: LinkProfile) -> None:
        """New settings from now on; the random draws restart from the profile's seed (repeatable runs)."""
        now = self._clock()
        self._rngs[0].seed(profile.seed)
        self._rngs[1].seed(profile.seed + 1)
        self.up.update(profile.up, now)
        self.down.update(profile.down, now)

    def outage(self, seconds: float, direction: str) -> None:
        now = self._clock()
        for d in self._directions(direction):
            d.outage(now, seconds)

    def restore(self) -> None:
        now = self._clock()
        for d in (self.up, self.down):
            d.restore(now)

    def _directions(self, name: str) -> list[DirectionScheduler]:
        if name not in ("up", "down", "both"):
            raise ConfigError(f"direction must be up, down or both, got {name!r}")
        return [d for n, d in (("up", self.up), ("down", self.down)) if name in (n, "both")]

    def stats(self) -> dict[str, Any]:
        return {"up": self.up.stats.to_json(), "down": self.down.stats.to_json(),
                "in_flight": len(self.line), "write_errors": self.write_errors, "overflow": self.overflow}

    def pump(self, fd: int) -> None:
        """Read what ``fd`` has (bounded) and schedule each packet."""
        sched, out = (self.down, self.shopper_fd) if fd == self.core_fd else (self.up, self.core_fd)
        for _ in range(MAX_READS_PER_WAKE):
            try:
                pkt = os.read(fd, 65_535)
            except BlockingIOError:
                return
            if len(self.line) >= self._max_in_flight:
                self.overflow += 1
                continue
            arrival = sched.offer(self._clock(), len(pkt))
            if not isinstance(arrival, Drop):
                self.line.push(arrival, (out, pkt))

    def deliver(self) -> None:
        for out, pkt in self.line.pop_due(self._clock()):
            try:
                os.write(out, pkt)
            except OSError:  # the far device went away or is down: the packet is lost, like on a wire
                self.write_errors += 1

    def timeout(self, idle: float = 1.0) -> float:
        due = self.line.next_due()
        return idle if due is None else max(0.0, due - self._clock())


def handle(fw: Forwarder, line: bytes) -> dict[str, Any]:
    """One control command -> its reply (errors are replies, the link keeps running)."""
    try:
        cmd = json.loads(line)
        if not isinstance(cmd, dict):
            raise ConfigError("a command must be a JSON object")
        op = cmd.get("op")
        if op == "set":
            fw.set(profile_from(cmd.get("profile", {})))
        elif op == "outage":
            seconds = cmd.get("seconds")
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 < seconds <= 3600:
                raise ConfigError(f"outage seconds must be in (0, 3600], got {seconds!r}")
            fw.outage(float(seconds), str(cmd.get("direction", "both")))
        elif op == "restore":
            fw.restore()
        elif op == "stats":
            return {"ok": True, "stats": fw.stats()}
        else:
            raise ConfigError(f"unknown op {op!r}: set, outage, restore or stats")
    except json.JSONDecodeError as exc:
        return {"ok": False, "error": f"not JSON: {exc.msg}"}
    except ConfigError as exc:
        return {"ok": False, "error": exc.message}
    return {"ok": True}


def _say(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def realtime() -> bool:
    """Ask for the lowest real-time priority (SCHED_FIFO 1): browsers, Janus and Souk busy on the same cores
    then cannot delay the link's packets. The loop sleeps in select between packets, so it takes little CPU.
    False where not permitted (the link still works, its timing then depends on the machine's load)."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
    except (OSError, AttributeError):
        return False
    return True


def serve(index: int, profile: LinkProfile, *, rt: bool = True) -> int:
    addrs = LinkAddrs.of(index)
    check_host()
    core_fd = open_tun(addrs.core_dev)
    shopper_fd = open_tun(addrs.shopper_dev)
    holder = start_holder()
    try:
        configure(addrs, holder.pid)
        fw = Forwarder(core_fd, shopper_fd, profile)
        _say({"ready": True, "shopper_pid": holder.pid, "index": index, "core_dev": addrs.core_dev,
              "core_addr": addrs.core_addr, "shopper_addr": addrs.shopper_addr, "pid": os.getpid(),
              "realtime": rt and realtime()})
        ctl, buf = sys.stdin.fileno(), b""
        while True:
            ready, _, _ = select.select([core_fd, shopper_fd, ctl], [], [], fw.timeout())
            for fd in ready:
                if fd == ctl:
                    chunk = os.read(ctl, 65_536)
                    if not chunk:
                        return 0
                    buf += chunk
                    while b"\n" in buf:
                        line, buf = buf.split(b"\n", 1)
                        if line.strip():
                            _say(handle(fw, line))
                    if len(buf) > MAX_LINE:
                        _say({"ok": False, "error": "command line too long"})
                        buf = b""
                else:
                    fw.pump(fd)
            fw.deliver()
    finally:
        if holder.stdin:
            holder.stdin.close()
        holder.wait(5)
        os.close(core_fd)
        os.close(shopper_fd)
