"""Processes of ``souk bench rtm``: ports, start-up lines, niceness, stopping, CPU time, a throwaway Redis."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(proc: subprocess.Popen[bytes], what: str, timeout: float = 30.0) -> str:
    """Read ``proc``'s stdout until its ``READY ...`` line."""
    if proc.stdout is None:
        raise RuntimeError(f"{what} was started without a stdout pipe")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline().decode()
        if line.startswith("READY"):
            return line.strip()
        if not line and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before it was ready")
    raise RuntimeError(f"{what} was not ready within {timeout} s")


def niced(nice: int, argv: list[str]) -> list[str]:
    nice_bin = shutil.which("nice")
    return [nice_bin, "-n", str(nice), *argv] if nice and nice_bin else argv


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_s(pid: int) -> float:
    """utime + stime of a process (all its threads) in seconds, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from the first line of /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(x) for x in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return float(sum(values) - idle), float(sum(values))


@contextlib.contextmanager
def redis_server(nice: int = 0) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (Debian package redis-server)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="souk-bench-redis-") as tmp:
        proc = subprocess.Popen(niced(nice, [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", tmp,
                                             "--save", "", "--appendonly", "no", "--protected-mode", "yes"]),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
                    break
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            stop(proc)
